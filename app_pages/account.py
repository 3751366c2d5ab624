"""Sign in and out: the identity provider (st.login) when configured, else local admin/legal passwords."""
from __future__ import annotations

import streamlit as st

from assistant.app_support import current_principal, oidc_configured, settings, sign_in, sign_out
from assistant.auth import password_roles, sign_in_with_password

st.title("Account")
principal = current_principal()
roles = ", ".join(sorted(principal.roles))

if oidc_configured():
    if principal.via == "oidc":
        st.write(f"Signed in as {principal.name} (roles: {roles}).")
        if st.button("Sign out"):
            st.logout()
    else:
        st.write("Sign in with your company account.")
        if st.button("Sign in"):
            st.login()
    st.stop()

if principal.via == "password":
    st.success(f"Signed in for the {roles} roles.")
    if st.button("Sign out"):
        sign_out()
        st.rerun()
    st.stop()

st.write("You are using the assistant as staff. Admins and Legal sign in here for the documents and review pages.")
available = password_roles(settings())
if not available:
    st.info(
        "Admin and legal sign-in is not configured on this server: set ASSISTANT_ADMIN_PASSWORD_HASH and/or "
        "ASSISTANT_LEGAL_PASSWORD_HASH (made with `python -m assistant hash-password`), or configure an identity provider."
    )
    st.stop()
with st.form("sign-in"):
    role = st.selectbox("Role", available)
    password = st.text_input("Password", type="password")
    submitted = st.form_submit_button("Sign in")
if submitted:
    signed_in = sign_in_with_password(settings(), role, password)
    if signed_in is None:
        st.error("Wrong password.")
    else:
        sign_in(signed_in)
        st.rerun()
