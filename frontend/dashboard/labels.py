"""What the dashboard calls the API's codes, in one place: one dictionary per kind of code.

The keys mirror the backend's choices; `tests/test_backend_mirrors.py` pins them to it.
"""

# A transaction's kind (`Transaction.kind`).
TRANSACTION_KINDS = {
    "expense": "Expense",
    "income": "Income",
    "transfer": "Transfer",
    "adjustment": "Adjustment",
}
TRANSACTION_KIND_HELP = {
    "expense": "Money leaves a wallet and a bucket.",
    "income": "Money enters a wallet; without a bucket it is split by the bucket percentages.",
    "transfer": "Money moves between two wallets, between two buckets, or both.",
    "adjustment": "Corrects a wallet's balance: positive adds, negative removes.",
}

# A wallet's kind (`Wallet.kind`): short in tables, spelled out where one is chosen.
WALLET_KINDS = {"physical": "Cash", "virtual": "Bank / card", "loan": "Loan"}
WALLET_KIND_CHOICES = {
    "virtual": "Bank account, card or e-wallet",
    "physical": "Cash",
    "loan": "Loan (money lent or borrowed)",
}

# A category's type (`Category.type`).
CATEGORY_TYPES = {"income": "Income", "expense": "Expense", "neutral": "Neutral"}

# A member's role in a ledger.
ROLES = {"owner": "Owner", "editor": "Editor", "viewer": "Viewer"}

ROLE_HELP = (
    "Owners can do everything, including members and deleting the ledger; editors change "
    "finance data; viewers only look."
)


# What a webhook can be told about (`budget.webhooks.models.EVENTS`, and "*" for all).
WEBHOOK_EVENTS = {
    "*": "Everything",
    "transaction.created": "Transaction created",
    "transaction.updated": "Transaction changed",
    "transaction.deleted": "Transaction deleted",
    "import.finished": "Import finished",
    "budget.alert": "Budget alert",
}
# How a webhook delivery went (`DeliveryStatus`).
DELIVERY_STATUSES = {"pending": "Waiting to retry", "succeeded": "Delivered", "failed": "Failed"}


def ledger_label(ledger: dict) -> str:
    """A ledger in a list: "Family · EUR"."""
    return f"{ledger['name']} · {ledger['currency']}"


# A recurring transaction's frequency: as a schedule, and as the unit of "every 2 weeks".
FREQUENCIES = {"daily": "Daily", "weekly": "Weekly", "monthly": "Monthly", "yearly": "Yearly"}
FREQUENCY_UNITS = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year"}


def label(labels: dict[str, str], code: object) -> str:
    """The label of ``code``, or the code itself when it is new to the dashboard."""
    return labels.get(str(code), str(code))
