"""The app: staff chat, admin documents page, legal review page. Thin: every decision is in ``assistant``.

Pages are listed by role (st.navigation), and each page checks the role again itself, on the server.
"""
from __future__ import annotations

import streamlit as st

from assistant.app_support import current_principal
from assistant.auth import ADMIN, LEGAL

st.set_page_config(page_title="IP Policy Assistant", page_icon=":scales:", layout="wide")

principal = current_principal()
pages = [st.Page("app_pages/chat.py", title="Ask", icon=":material/chat:", url_path="ask", default=True)]
if principal.has(ADMIN):
    pages.append(st.Page("app_pages/documents.py", title="Documents", icon=":material/folder:", url_path="documents"))
if principal.has(LEGAL):
    pages.append(st.Page("app_pages/review.py", title="Review", icon=":material/gavel:", url_path="review"))
pages.append(st.Page("app_pages/account.py", title="Account", icon=":material/person:", url_path="account"))
st.navigation(pages).run()
