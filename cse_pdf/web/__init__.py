"""The web app (`cse-pdf serve`): managers agree levels in a browser, on the same database as the terminal.

- users.py: the people who may sign in, their roles and argon2id password hashes
- app.py: the Starlette application, its pages and forms
- security.py: session, CSRF, sign-in throttle, idle timeout, security headers, access log

Nothing here is imported by the library stages below; only the CLI (`serve`, `users`) loads it.
"""
