"""gunicorn settings every test server shares. Passing this file keeps gunicorn from reading
the production ./gunicorn.conf.py, whose worker rules the tests of it exercise on purpose."""

# Otherwise every gunicorn on the machine would share ~/.gunicorn/gunicorn.ctl.
control_socket_disable = True
