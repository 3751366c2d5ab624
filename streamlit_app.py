"""The app: staff chat, admin documents page, legal review page. Thin: every decision is in ``assistant``.

Pages are listed by role (st.navigation), and each page checks the role again itself, on the server.
"""
from __future__ import annotations

import streamlit as st

from assistant.app_support import current_principal, pages_for

st.set_page_config(page_title="IP Policy Assistant", page_icon=":scales:", layout="wide")

pages = [
    st.Page(page.path, title=page.title, icon=page.icon, url_path=page.url_path, default=page.url_path == "ask")
    for page in pages_for(current_principal())
]
st.navigation(pages).run()
