"""Documents → Terms…: the dialog (`dialog.py`) and the forms it opens (`forms.py`)."""
