"""The dashboard served as an ASGI app: `streamlit run server.py` (Streamlit finds `app`).

It is app.py plus one route of our own, the one that sets and clears the HttpOnly session
cookie which keeps a person signed in across reloads and tabs (see dashboard/vault.py).
"""

import streamlit as st

from dashboard import vault

app = st.App("app.py", routes=vault.routes())
