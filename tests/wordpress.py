"""A real WordPress for the publishing tests, started once per test session.

Debian's ``wordpress`` package served by ``php -S`` on 127.0.0.1, with its own MariaDB
(a datadir under the session's temp folder, a unix socket, no network) and its own copy of
the WordPress tree (a ``wp-config.php`` with ``WP_ENVIRONMENT_TYPE=local``, so application
passwords work over plain HTTP, and its own ``wp-content`` with the must-use plugins).
Installed through the ``wp-admin/install.php?step=2`` form, like a person would; the
application password is made with ``php -r`` through WordPress's own API. Without the
packages the tests skip (fail in CI, where ``.ci/run`` installs them): see tests/services.py.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.services import WORDPRESS_TREE, check, needs

REPO = Path(__file__).resolve().parents[1]
ADMIN = "editor-admin"
ADMIN_PASSWORD = "a-long-admin-password-1234"
# A test-only must-use plugin: while the flag file exists, the answer to a post creation is
# held back (after WordPress has saved the post), so a test can kill a worker mid-publish.
SLOW_PLUGIN = """<?php
add_action('rest_after_insert_post', function ($post, $request, $creating) {
    $flag = __DIR__ . '/../hold-answers';
    while ($creating && file_exists($flag)) { clearstatcache(); usleep(100000); }
}, 10, 3);
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def _link_or_copy(source, target) -> None:
    """A hard link where the file system allows it (much faster than a copy), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class WordPressSite:
    """One running WordPress: its URL, its admin's application password, and helpers."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.tree = workdir / "wordpress"
        self.socket = workdir / "mysql.sock"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.user = ADMIN
        self.app_password = ""
        self._processes: list[subprocess.Popen] = []

    # --- start and stop ----------------------------------------------------------------

    def start(self) -> None:
        self._start_mariadb()
        self._copy_tree()  # while MariaDB starts
        self._wait(lambda: self.socket.exists() and self._sql("SELECT 1"), "mariadbd")
        self._sql("CREATE DATABASE wordpress CHARACTER SET utf8mb4")
        env = {**os.environ, "PHP_CLI_SERVER_WORKERS": "4"}
        self._processes.append(subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{self.port}", "-t", str(self.tree)],
            stdout=subprocess.DEVNULL, stderr=open(self.workdir / "php.log", "wb"), env=env,
            start_new_session=True))  # its worker processes are stopped with it, as a group
        self._wait(lambda: self._get("/wp-admin/install.php") is not None, "php -S")
        self._install()
        self.app_password = self.php(
            '$r = WP_Application_Passwords::create_new_application_password('
            f'get_user_by("login", "{ADMIN}")->ID, ["name" => "transdraft"]);'
            'if (is_wp_error($r)) { fwrite(STDERR, $r->get_error_message()); exit(1); }'
            'echo $r[0];')

    def stop(self) -> None:
        # Each process leads its own group: php -S forks PHP_CLI_SERVER_WORKERS children.
        for process in reversed(self._processes):
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()

    def _start_mariadb(self) -> None:
        datadir = self.workdir / "mysql"
        binary = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={datadir}",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True)
        args = [binary, "--no-defaults", f"--datadir={datadir}", f"--socket={self.socket}",
                "--skip-networking", f"--pid-file={self.workdir / 'mysql.pid'}",
                f"--log-error={self.workdir / 'mysql.err'}", "--skip-log-bin",
                "--innodb-buffer-pool-size=32M"]
        if os.geteuid() == 0:
            args.append("--user=root")
        self._processes.append(subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL,
                                                start_new_session=True))

    def _sql(self, statement: str) -> bool:
        done = subprocess.run(["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot",
                               "-e", statement], capture_output=True)
        return done.returncode == 0

    def _copy_tree(self) -> None:
        # wp-admin and the top-level scripts find wp-load.php next to their real path, so
        # they are copied; wp-includes and the themes are only read and can be shared.
        self.tree.mkdir()
        for entry in WORDPRESS_TREE.iterdir():
            if entry.name in ("wp-content", "wp-config.php", ".htaccess"):
                continue
            if entry.name == "wp-includes":
                (self.tree / entry.name).symlink_to(entry)
            elif entry.is_dir():
                shutil.copytree(entry, self.tree / entry.name, copy_function=_link_or_copy)
            else:
                _link_or_copy(entry, self.tree / entry.name)
        content = self.tree / "wp-content"
        (content / "mu-plugins").mkdir(parents=True)
        (content / "uploads").mkdir()
        (content / "themes").symlink_to(WORDPRESS_TREE / "wp-content" / "themes")
        (content / "plugins").mkdir()
        shutil.copy(REPO / "contrib" / "wordpress" / "transdraft-source.php",
                    content / "mu-plugins" / "transdraft-source.php")
        (content / "mu-plugins" / "test-hold-answers.php").write_text(SLOW_PLUGIN)
        (self.tree / "wp-config.php").write_text(f"""<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:{self.socket}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_ENVIRONMENT_TYPE', 'local');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
$table_prefix = 'wp_';
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT',
          'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as $key) {{
    define($key, 'test-only-' . $key);
}}
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
""")

    def _install(self) -> None:
        form = urllib.parse.urlencode({
            "weblog_title": "The Translated Ledger", "user_name": ADMIN,
            "admin_password": ADMIN_PASSWORD, "admin_password2": ADMIN_PASSWORD,
            "pw_weak": "1", "admin_email": "editor@example.org", "blog_public": "0",
            "language": ""}).encode()
        request = urllib.request.Request(self.url + "/wp-admin/install.php?step=2", data=form)
        with urllib.request.urlopen(request, timeout=60) as response:
            page = response.read().decode("utf-8", "replace")
        if "Success!" not in page:
            raise RuntimeError(f"WordPress did not install: {page[:500]}")

    def _wait(self, check, what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.05)
        raise RuntimeError(f"{what} did not start within {timeout:g} s")

    def _get(self, path: str) -> bytes | None:
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.read()
        except (urllib.error.URLError, OSError):
            return None

    # --- helpers for tests -------------------------------------------------------------

    def php(self, code: str) -> str:
        """Run PHP ``code`` with WordPress loaded; its output."""
        script = (f'$_SERVER["HTTP_HOST"] = "127.0.0.1:{self.port}";'
                  f'require "{self.tree}/wp-load.php";' + code)
        done = subprocess.run(["php", "-r", script], capture_output=True, text=True,
                              cwd=self.tree)
        if done.returncode != 0:
            raise RuntimeError(f"php failed: {done.stderr or done.stdout}")
        return done.stdout

    def rest(self, route: str, params: dict | None = None, method: str = "GET",
             body: dict | None = None):
        """A REST call as the admin (through ?rest_route=, which works on every site)."""
        query = urllib.parse.urlencode({"rest_route": route, **(params or {})})
        token = base64.b64encode(f"{ADMIN}:{self.app_password}".encode()).decode()
        request = urllib.request.Request(
            f"{self.url}/?{query}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def page(self, path: str) -> bytes:
        """A page of the site as a visitor sees it."""
        body = self._get(path)
        assert body is not None, f"no page at {path}"
        return body

    def posts(self) -> list[dict]:
        """Every post but those in the trash, any status, with the editing context."""
        return self.rest("/wp/v2/posts", {"status": "publish,future,draft,pending,private",
                                          "context": "edit", "per_page": "100"})

    def saved_post_ids(self) -> list[int]:
        """The ids of saved posts, read with WordPress's PHP API rather than through the web
        server, whose few workers may all be busy with answers a test holds back."""
        out = self.php('echo json_encode(get_posts(["post_type" => "post", "post_status" => '
                       '"any", "numberposts" => -1, "fields" => "ids"]));')
        return json.loads(out or "[]")

    def reset(self) -> None:
        """No posts, media, extra terms or held answers: each test starts from a blank site."""
        (self.tree / "wp-content" / "hold-answers").unlink(missing_ok=True)
        self.php('foreach (get_posts(["post_type" => ["post", "attachment"], '
                 '"post_status" => "any", "numberposts" => -1, "fields" => "ids"]) as $id) '
                 '{ wp_delete_post($id, true); }'
                 'foreach (["category", "post_tag"] as $tax) { foreach (get_terms(["taxonomy" '
                 '=> $tax, "hide_empty" => false]) as $t) { if ($t->term_id != 1) '
                 'wp_delete_term($t->term_id, $tax); } }'
                 'update_option("transdraft_canonical", 0);'
                 'update_option("permalink_structure", "/%year%/%monthnum%/%day%/%postname%/");')

    def hold_answers(self, on: bool) -> None:
        flag = self.tree / "wp-content" / "hold-answers"
        if on:
            flag.write_text("1")
        else:
            flag.unlink(missing_ok=True)


@pytest.fixture(scope="session")
@needs("wordpress", "slow")  # php -S and MariaDB processes, a minute to install
def _wordpress_server(tmp_path_factory):
    check("wordpress")
    site = WordPressSite(tmp_path_factory.mktemp("wordpress"))
    started = time.monotonic()
    try:
        site.start()
        site.startup_seconds = time.monotonic() - started
        yield site
    finally:
        site.stop()


@pytest.fixture
def wordpress(_wordpress_server) -> WordPressSite:
    """The session's real WordPress, emptied of posts, media and terms for this test."""
    _wordpress_server.reset()
    return _wordpress_server
