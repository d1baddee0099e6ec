"""Dashboard settings, read from the environment (see .env.example.frontend)."""

import os

API_URL: str = os.environ.get("API_URL", "http://127.0.0.1:8000/api/v1").rstrip("/")
API_TIMEOUT_SECONDS: float = float(os.environ.get("API_TIMEOUT_SECONDS", "10"))
# The API's upload limits in MB (IMPORT_MAX_BYTES and EXCHANGE_IMPORT_MAX_BYTES there): the
# upload boxes refuse bigger files and say so, instead of Streamlit's own 200 MB.
IMPORT_MAX_MB: int = int(os.environ.get("IMPORT_MAX_MB", "50"))
RESTORE_MAX_MB: int = int(os.environ.get("RESTORE_MAX_MB", "200"))
# How often (seconds) the sidebar asks for the unread count and the ledgers again; 0 turns
# the timer off. Each look closes a select box that is open at that moment (Streamlit redraws).
REFRESH_SECONDS: int = int(os.environ.get("DASHBOARD_REFRESH_SECONDS", "60"))
