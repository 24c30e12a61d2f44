from chassis.migrations import run_env
from services.matters.models import Base

run_env(Base.metadata)
