// PEP 440 / PEP 503 / wheel-tag logic arrives with the PythonPackaging issue.
