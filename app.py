"""AlonChat's Streamlit entry point: the frame in ui/shell.py runs the chosen page."""

from ui import shell

shell.main()
