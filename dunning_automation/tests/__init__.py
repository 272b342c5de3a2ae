from . import test_engine
from . import test_dunning_level
from . import test_dunning_run
from . import test_dunning_communication
from . import test_security
from . import test_cron
from . import test_ui
from . import test_risk_scorer
