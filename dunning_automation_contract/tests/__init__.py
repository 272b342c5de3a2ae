from . import test_contract_suspension
