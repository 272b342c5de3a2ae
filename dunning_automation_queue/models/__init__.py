from . import dunning_run
from . import dunning_run_batch
