"""Arena: which models the team prefers in blind votes, with 95% intervals, and what each answer costs."""

import streamlit as st

from alonchat.arena import leaderboard
from alonchat.core.errors import AlonChatError
from ui import auth, shell
from ui.arena import board, filters, transfer, votes

shell.ensure()  # a page opened by its own URL still gets the app's frame

st.title("Arena", anchor=False)
st.caption("Blind votes between two answers (turn on blind mode in the playground), ranked with Bradley–Terry on "
           "LMArena's scale with 95% intervals, next to what each answer costs.")
f = filters.render()
if f is not None:
    try:
        board.render(leaderboard.board(f))
    except AlonChatError as e:
        st.error(str(e), icon=":material/error:")
st.subheader("Your votes", anchor=False)
votes.render()
st.subheader("Export", anchor=False)
if f is not None:
    transfer.export(f)
if auth.can_edit():
    st.subheader("Import", anchor=False)
    transfer.import_form()
