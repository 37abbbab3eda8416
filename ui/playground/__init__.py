"""The playground page's widgets: panes, sidebar and session state."""
