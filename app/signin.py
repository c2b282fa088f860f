"""Signing in: Streamlit's OIDC login when configured; else the users file (each person's own
password, their role in it); else a name and the optional shared password. Wrong passwords make
the next try for that name wait (one gate for every session of the app process)."""

from __future__ import annotations

import streamlit as st

from figscrape.annotate.users import Gate, WaitFirst, read_users
from figscrape.config import Config


def _oidc_configured() -> bool:
    """Streamlit's OIDC login is set up ([auth] in .streamlit/secrets.toml)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own error type for that
        return False


@st.cache_resource
def _gate() -> Gate:
    return Gate()


def sign_in(config: Config) -> str | None:
    """The signed-in annotator's name, or None while the sign-in form is shown. Sets
    st.session_state["reviewer"]: whether this person may adjudicate."""
    if st.session_state.get("user"):
        return st.session_state["user"]
    st.title("figscrape labeling")
    if _oidc_configured():  # the identity provider names the annotator
        if not st.user.get("is_logged_in"):
            st.button("Log in", type="primary", on_click=st.login)
            return None
        name = str(st.user.get("email") or st.user.get("name"))
        st.session_state.update(user=name, reviewer=not config.reviewers or name in config.reviewers)
        return name
    users = read_users(config.users_file) if config.users_file else {}
    with st.form("sign-in"):
        name = st.text_input("Your name", key="name-input").strip()
        password = st.text_input("Password", type="password") if users or config.app_password else ""
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return None
    if not name:
        st.error("Enter your name: every label is stored with it.")
        return None
    if users or config.app_password:
        try:
            user = _gate().check(name, password, users, config.app_password)
        except WaitFirst as exc:
            st.error(str(exc).capitalize() + ".")
            return None
        if user is None:
            st.error("Wrong name or password." if users else "Wrong password.")
            return None
        reviewer = user.reviewer if users else not config.reviewers or name in config.reviewers
    else:
        reviewer = not config.reviewers or name in config.reviewers
    st.session_state.update(user=name, reviewer=reviewer)
    st.rerun()
    return None
