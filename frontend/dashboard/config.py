"""Dashboard settings, read from the environment (see .env.example.frontend)."""

import os

API_URL: str = os.environ.get("API_URL", "http://127.0.0.1:8000/api/v1").rstrip("/")
API_TIMEOUT_SECONDS: float = float(os.environ.get("API_TIMEOUT_SECONDS", "10"))
