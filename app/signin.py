"""Signing in: Streamlit's OIDC login when configured, otherwise a name and the optional shared password."""

from __future__ import annotations

import streamlit as st


def _oidc_configured() -> bool:
    """Streamlit's OIDC login is set up ([auth] in .streamlit/secrets.toml)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own error type for that
        return False


def sign_in(shared_password: str) -> str | None:
    """The signed-in annotator's name, or None while the sign-in form is shown ("" for
    `shared_password` asks no password)."""
    if st.session_state.get("user"):
        return st.session_state["user"]
    st.title("figscrape labeling")
    if _oidc_configured():  # the identity provider names the annotator
        if not st.user.get("is_logged_in"):
            st.button("Log in", type="primary", on_click=st.login)
            return None
        st.session_state["user"] = str(st.user.get("email") or st.user.get("name"))
        return st.session_state["user"]
    with st.form("sign-in"):
        name = st.text_input("Your name", key="name-input")
        password = st.text_input("Password", type="password") if shared_password else ""
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if not name.strip():
            st.error("Enter your name: every label is stored with it.")
        elif shared_password and password != shared_password:
            st.error("Wrong password.")
        else:
            st.session_state["user"] = name.strip()
            st.rerun()
    return None
