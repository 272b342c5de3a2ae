from . import dunning_statement_report
