"""The one NinjaAPI of version 1, mounted at /api/v1."""

from budget.accounts.api import router as accounts_router
from budget.accounts.auth import BearerAuth
from budget.activity.api import router as activity_router
from budget.common import handlers
from budget.common.api import currencies as currencies_router
from budget.common.api import router as health_router
from budget.common.openapi import BudgetAPI
from budget.common.parser import DecimalParser
from budget.exchange import api as exchange
from budget.groups.api import router as groups_router
from budget.ledgers.api import invitations as invitations_router
from budget.ledgers.api import router as ledgers_router
from budget.money import api as money
from budget.notifications.api import router as notifications_router
from budget.planning import api as planning
from budget.rates.api import rates as rates_router
from budget.receipts import api as receipts
from budget.reports.api import router as reports_router
from budget.rules.api import rules as rules_router
from budget.webhooks.api import router as webhooks_router

api = BudgetAPI(
    title="Budget API",
    version="1",
    description=(
        "Self-hosted budgeting for people and families. Authenticate with "
        "`Authorization: Bearer <token>`: a JWT access token from `POST /auth/token`, "
        "or an API key (`bk_…`) from `POST /auth/api-keys`. Money is a decimal string."
    ),
    auth=BearerAuth(),
    urls_namespace="api-v1",
    parser=DecimalParser(),
)
handlers.install(api)

api.add_router("", health_router)
api.add_router("/currencies", currencies_router)
api.add_router("/auth", accounts_router)
api.add_router("/ledgers", ledgers_router)
api.add_router("/invitations", invitations_router)
api.add_router("/notifications", notifications_router)
api.add_router("/groups", groups_router)
api.add_router("/ledgers/import-json", exchange.imports)  # no clash: {lid} is a uuid

_LEDGER = "/ledgers/{uuid:lid}"
api.add_router(f"{_LEDGER}/wallets", money.wallets)
api.add_router(f"{_LEDGER}/buckets", money.buckets)
api.add_router(f"{_LEDGER}/categories", money.categories)
api.add_router(f"{_LEDGER}/payees", money.payees)
api.add_router(f"{_LEDGER}/transactions", money.transactions)
api.add_router(f"{_LEDGER}/transactions/{{uuid:transaction_id}}/attachments", receipts.attachments)
api.add_router(f"{_LEDGER}/receipts", receipts.receipts)
api.add_router(f"{_LEDGER}/rules", rules_router)
api.add_router(f"{_LEDGER}/allocations", money.allocations)
api.add_router(f"{_LEDGER}/reports", reports_router)
api.add_router(f"{_LEDGER}/activity", activity_router)
api.add_router(f"{_LEDGER}/recurring", planning.recurring)
api.add_router(f"{_LEDGER}/budgets", planning.budgets)
api.add_router(f"{_LEDGER}/goals", planning.goals)
api.add_router(_LEDGER, exchange.exports)  # export.csv, export.json
api.add_router(f"{_LEDGER}/imports", exchange.imports_jobs)
api.add_router(f"{_LEDGER}/import-profiles", exchange.import_profiles)
api.add_router(f"{_LEDGER}/webhooks", webhooks_router)
api.add_router(f"{_LEDGER}/rates", rates_router)
