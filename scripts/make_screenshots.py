"""Make the install sheet's screenshots (static/screenshots/*.webp, named in the manifest by
webapp/pwa/shell.py) from the demo account (`make screenshots`).

A throwaway SQLite database gets `flask demo-data`; the app is served on loopback; the
system Chromium signs in on a 360 px phone at 2x and photographs Today and Insights; the
browser itself re-encodes each PNG as a small WebP. The files are committed, so the app
needs none of this at run time.
"""

from __future__ import annotations

import base64
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "static" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
EMAIL = "alex@example.com"
PASSWORD = "a quiet morning walk"  # noqa: S105 - a throwaway account in a temp database
PAGES = {"today.webp": "/", "insights.webp": "/insights"}
WIDTH, HEIGHT, SCALE = 360, 740, 2  # 720x1480, as the manifest says

TO_WEBP = """async (png) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
  canvas.getContext("2d").drawImage(image, 0, 0);
  return canvas.toDataURL("image/webp", 0.8).split(",")[1];
}"""


def main() -> int:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from webapp import create_app
    from webapp.config import TestConfig
    from webapp.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        config = type("ScreenshotConfig", (TestConfig,),
                      {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/demo.db"})
        app = create_app(config)
        with app.app_context():
            db.create_all()
        os.environ["ONWARD_DEMO_PASSWORD"] = PASSWORD
        result = app.test_cli_runner().invoke(
            args=["demo-data", "--email", EMAIL, "--days", "120", "--name", "Alex"])
        if result.exit_code != 0:
            print(result.output, file=sys.stderr)
            return 1
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        OUT.mkdir(parents=True, exist_ok=True)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT},
                                        device_scale_factor=SCALE, is_mobile=True, has_touch=True,
                                        timezone_id="Europe/London", locale="en-GB",
                                        service_workers="block")
                page.goto(f"{base}/auth/login")
                page.get_by_label("Email").fill(EMAIL)
                page.get_by_label("Password", exact=True).fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(f"{base}/")
                for name, path in PAGES.items():
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    png = base64.b64encode(page.screenshot()).decode()
                    (OUT / name).write_bytes(base64.b64decode(page.evaluate(TO_WEBP, png)))
                    print(f"wrote static/screenshots/{name} ({(OUT / name).stat().st_size} bytes)")
                browser.close()
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
