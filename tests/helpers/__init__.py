"""Plain helpers the tests share: importable as `helpers.NAME`, because pytest puts tests/ on sys.path
(tests/ itself is no package; its conftest.py sits there). Fixtures stay in tests/conftest.py."""
