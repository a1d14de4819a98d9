"""Root conftest: every test package can use the local-runtime fixtures of shop_devtools."""

pytest_plugins = ["shop_devtools.testing.fixtures"]
