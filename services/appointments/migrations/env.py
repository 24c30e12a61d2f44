from chassis.migrations import run_env
from services.appointments.models import Base

run_env(Base.metadata)
