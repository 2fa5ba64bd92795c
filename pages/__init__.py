"""The screens: one file per page (Streamlit runs them), thin; shared helpers in forms, session, widgets, downloads."""
