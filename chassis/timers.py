"""`@every("setting_name")`: Nameko's timer, its interval read from the Settings."""

from nameko.timer import Timer

from chassis.settings import settings_of


class SettingsTimer(Timer):
    """Fires every `getattr(settings, setting)` seconds (Nameko's own takes a constant)."""

    def __init__(self, setting: str, **kwargs):
        self.setting = setting
        super().__init__(interval=1.0, **kwargs)

    def setup(self):
        self.interval = float(getattr(settings_of(self.container), self.setting))
        super().setup()


every = SettingsTimer.decorator
