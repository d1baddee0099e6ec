"""The budget dashboard: a Streamlit app that talks to the budget API over HTTP only."""
