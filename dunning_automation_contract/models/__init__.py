from . import contract_contract
from . import account_move
