"""Extension objects, created here without an app and bound in `create_app`."""

from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from webapp.models.base import Base

# Objects stay readable after a commit: views render what a service just saved without
# loading it all again (TRUST.md PERF-03).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
compress = Compress()
# Keyed on the client address as ProxyFix leaves it (SEC-38); limits are set per view.
limiter = Limiter(key_func=get_remote_address)
