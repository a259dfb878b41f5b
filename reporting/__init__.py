"""The success dashboard, wins, climate signals, rollups and generated reports."""
