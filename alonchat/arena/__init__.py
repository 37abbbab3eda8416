"""Blind battles between two panes, their votes, and the Bradley–Terry leaderboard with intervals and cost."""
