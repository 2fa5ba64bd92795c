"""Runs app.py from a directory without a `pages/` folder, so Streamlit uses only the app's st.navigation.

Next to app.py, the folder `pages/` makes Streamlit run the old multipage mode (every pages/*.py directly,
without app.py) until the first st.navigation call of the process; AppTest resets that flag on every run.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[3] / "app.py"), run_name="__main__")
