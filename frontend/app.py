"""The dashboard's entry point: `streamlit run app.py`."""

import streamlit as st

from dashboard import session
from dashboard.views import home, overview, reports, sign_in

# Pages for a signed-in user; a new page is one more line here.
SIGNED_IN_PAGES = [
    st.Page(
        overview.render,
        title="Overview",
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
    st.Page(home.render, title="Home", icon=":material/home:", url_path="home"),
]

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
]


def _sidebar() -> None:
    user = session.current_user()
    ledger = session.current_ledger()
    with st.sidebar:
        st.caption("Signed in as")
        st.markdown(f"**{user['email']}**")
        if ledger is not None:
            st.caption("Current ledger")
            st.markdown(f"**{ledger['name']}** ({ledger['currency']})")


st.set_page_config(page_title="Budget", layout="wide")
if session.is_signed_in():
    page = st.navigation({"": SIGNED_IN_PAGES, "Reports": REPORT_PAGES})
    _sidebar()
else:
    page = st.navigation(
        [st.Page(sign_in.render, title="Sign in", url_path="sign-in")], position="hidden"
    )
page.run()
