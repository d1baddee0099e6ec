"""The dashboard's pages and sidebar. Served by `streamlit run server.py` (which adds the
session-cookie route); `streamlit run app.py` works too, without staying signed in."""

import streamlit as st

from dashboard import api, cards, config, data, session, vault
from dashboard.api import ApiError, SessionExpired
from dashboard.formatting import literal
from dashboard.views import (
    account,
    activity,
    groups,
    home,
    insights,
    notifications,
    overview,
    planning,
    reports,
    setup,
    sign_in,
    transactions,
    webhooks,
)

# Pages for a signed-in user; a new page is one more line here.
SIGNED_IN_PAGES = [
    st.Page(
        overview.render,
        title="Overview",
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
    st.Page(
        transactions.render,
        title="Transactions",
        icon=":material/receipt_long:",
        url_path="transactions",
    ),
    st.Page(groups.render, title="Groups", icon=":material/group:", url_path="groups"),
    st.Page(setup.render, title="Setup", icon=":material/tune:", url_path="setup"),
    st.Page(planning.render, title="Planning", icon=":material/savings:", url_path="planning"),
    st.Page(home.render, title="Home", icon=":material/home:", url_path="home"),
    st.Page(account.render, title="Account", icon=":material/person:", url_path="account"),
    st.Page(webhooks.render, title="Webhooks", icon=":material/webhook:", url_path="webhooks"),
    st.Page(activity.render, title="Activity", icon=":material/history:", url_path="activity"),
]

# Reached from the sidebar's link, which carries the unread count (on every page).
NOTIFICATIONS_PAGE = st.Page(
    notifications.render,
    title="Notifications",
    icon=":material/notifications:",
    url_path="notifications",
    visibility="hidden",
)

REPORT_PAGES = [
    st.Page(
        reports.render_monthly,
        title="Monthly",
        icon=":material/calendar_month:",
        url_path="monthly",
    ),
    st.Page(reports.render_yearly, title="Yearly", icon=":material/bar_chart:", url_path="yearly"),
    st.Page(
        reports.render_historical,
        title="Historical",
        icon=":material/history:",
        url_path="historical",
    ),
    st.Page(
        insights.render_forecast,
        title="Forecast",
        icon=":material/query_stats:",
        url_path="forecast",
    ),
    st.Page(
        insights.render_trends, title="Trends", icon=":material/trending_up:", url_path="trends"
    ),
]


SWITCHER_KEY = "ledger_switcher"
ROLE_NOTES = {
    "owner": "You own **{name}**.",
    "editor": "You can change **{name}**.",
    "viewer": "You can view **{name}**; changes are off.",
}


def _switch_ledger() -> None:
    # Runs before the page, so the whole run already reads the chosen ledger.
    session.set_current_ledger_id(st.session_state[SWITCHER_KEY])
    data.changed()


LIVE_RUN_KEY = "sidebar_live_run"
LAST_PAGE_KEY = "nav_last_page"
PAGE_CHANGES_KEY = "nav_page_changes"


def _sidebar_closes_after_navigation(url_path: str) -> None:
    """On a phone the sidebar closes once another page was chosen (dashboard/cards.py): the
    page shows instead of the navigation over it. The first page of a visit leaves it."""
    last = st.session_state.get(LAST_PAGE_KEY)
    st.session_state[LAST_PAGE_KEY] = url_path
    if last is None or last == url_path:
        return
    changes = st.session_state.get(PAGE_CHANGES_KEY, 0) + 1
    st.session_state[PAGE_CHANGES_KEY] = changes
    st.html(cards.sidebar_close_script(f"{url_path} {changes}"), unsafe_allow_javascript=True)


# The sidebar's unread count and the ledger list look again every REFRESH_SECONDS, so a new
# alert or a ledger shared with you shows without a click (0: only on the next click).
@st.fragment(run_every=config.REFRESH_SECONDS or None)
def _notifications_link() -> None:
    """The unread count on every page, as a link to the notifications ("Notifications (3)").
    The page's own run reads it through the cached data layer; the timer's runs ask the API
    afresh, and a changed list of ledgers (one shared with you, one you left) redraws the
    whole page so the switcher shows it."""
    timer_run = st.session_state.get(LIVE_RUN_KEY, False)
    st.session_state[LIVE_RUN_KEY] = True
    try:
        if timer_run:
            unread, ledgers_changed = data.fresh_sidebar()
            if ledgers_changed:
                st.rerun(scope="app")
        else:
            unread = data.unread_notifications()
    except SessionExpired as error:
        session.end(notice=str(error))
        st.rerun(scope="app")
    except ApiError:
        unread = 0  # the page itself shows what is wrong with the API
    st.page_link(
        NOTIFICATIONS_PAGE,
        label=notifications.nav_label(unread),
        icon=":material/notifications_active:" if unread else ":material/notifications:",
    )


def _sidebar(url_path: str) -> None:
    """Who is signed in, the ledger switcher and sign-out: on every page."""
    user = session.current_user()
    ledger = session.current_ledger()
    ledgers = session.ledgers()
    st.session_state[LIVE_RUN_KEY] = False  # the page's own run of the fragment below
    with st.sidebar:
        st.caption("Signed in as")
        st.markdown(f"**{literal(user['email'])}**")
        _notifications_link()
        if ledger is not None:
            names = {item["id"]: f"{item['name']} ({item['currency']})" for item in ledgers}
            ids = list(names)
            # A page may switch ledgers too (creating or leaving one): the box follows. Set,
            # not deleted: the browser would keep showing the old choice otherwise.
            if st.session_state.get(SWITCHER_KEY, ledger["id"]) != ledger["id"]:
                st.session_state[SWITCHER_KEY] = ledger["id"]
            st.selectbox(
                "Current ledger",
                ids,
                index=ids.index(ledger["id"]),
                format_func=names.__getitem__,
                key=SWITCHER_KEY,
                on_change=_switch_ledger,
            )
            note = ROLE_NOTES.get(ledger.get("role"), "**{name}**")
            st.markdown(note.format(name=literal(ledger["name"])))
        else:
            st.caption("No ledger yet: create one under Account.")
        if st.button("Sign out", key="sign_out"):
            api.get_client().sign_out()
            session.end()
            st.session_state[SIGNED_OUT_KEY] = True
            st.rerun()
        _cookie_handover()
        _sidebar_closes_after_navigation(url_path)


CLEAR_COOKIE_KEY = "vault_clear_cookie"
SIGNED_OUT_KEY = "signed_out"


def _cookie_handover() -> None:
    """Right after sign-in the page trades its one-time code for the session cookie; after
    sign-out it drops the cookie. Both through the ASGI route of server.py (see vault.py)."""
    base = st.get_option("server.baseUrlPath") or ""
    base = f"/{base.strip('/')}" if base.strip("/") else ""
    code = session.pop_claim_code()
    if code:
        st.html(vault.claim_script(code, base), unsafe_allow_javascript=True)
    if st.session_state.pop(CLEAR_COOKIE_KEY, False):
        st.html(vault.clear_script(base), unsafe_allow_javascript=True)


def _signed_out_pages() -> list:
    """Signed out, every page's address shows the sign-in form, and after sign-in the same
    address opens the page asked for (a bookmark, a deep link) instead of "Page not found"."""
    pages = [st.Page(sign_in.render, title="Sign in", url_path="sign-in", default=True)]
    for page in [*SIGNED_IN_PAGES, NOTIFICATIONS_PAGE, *REPORT_PAGES]:
        if page.url_path in ("", "sign-in"):
            continue

        def render_sign_in() -> None:
            sign_in.render()

        pages.append(
            st.Page(render_sign_in, title="Sign in", url_path=page.url_path, visibility="hidden")
        )
    return pages


st.set_page_config(page_title="Budget", layout="wide")
st.html(cards.LAYOUT_CSS)  # tables on wide screens, cards on phones (dashboard/cards.py)
sign_in.resume_remembered(st.context.cookies)
if session.is_signed_in():
    # Every page listed (no "View more" button hiding the reports).
    page = st.navigation(
        {"": [*SIGNED_IN_PAGES, NOTIFICATIONS_PAGE], "Reports": REPORT_PAGES}, expanded=True
    )
    _sidebar(page.url_path)
else:
    pages = _signed_out_pages()
    page = st.navigation(pages, position="hidden")
    if st.session_state.pop(SIGNED_OUT_KEY, False):
        # Sign-out leaves for the front page: the next sign-in starts on the Overview.
        st.session_state[CLEAR_COOKIE_KEY] = True
        st.switch_page(pages[0])
    _cookie_handover()
page.run()
