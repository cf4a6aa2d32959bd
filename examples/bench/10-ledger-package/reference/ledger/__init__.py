from .accounts import Account
from .importer import load_csv
from .journal import Journal, Transaction, UnbalancedError
from .money import format_amount, parse_amount
from .reports import format_trial_balance, net_income, trial_balance

__all__ = ["Account", "Transaction", "Journal", "UnbalancedError", "parse_amount",
           "format_amount", "trial_balance", "net_income", "format_trial_balance", "load_csv"]
