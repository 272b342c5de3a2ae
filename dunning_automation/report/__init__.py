from . import dunning_statement_report
from . import dunning_report_aging
from . import dunning_report_kpi
from . import dunning_report_effectiveness
