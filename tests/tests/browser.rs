//! The accept page in a real browser: headless Chromium, driven through its WebDriver
//! (chromedriver), opens the link from a captured email, as a person on a phone would.
//!
//! The tests need `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium`
//! and `chromium-driver`, which `scripts/test` installs when they are missing);
//! `TEAMSEATS_CHROMIUM` and `TEAMSEATS_CHROMEDRIVER` name other places. Without them the
//! tests fail rather than pass unseen. Screenshots land in `target/test-artifacts/`.

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use teamseats_tests::{TestApp, find_member};
use tempfile::TempDir;

const OWNER: &str = "olive@acme.test";
const BOB: &str = "bob@acme.test";

/// The size of the window: a common phone's viewport, in CSS pixels.
const PHONE: (u32, u32) = (390, 844);

/// How long to wait for the WebDriver to listen and for a page to show a heading.
const PATIENCE: Duration = Duration::from_secs(20);

/// One headless Chromium behind its own chromedriver, in a process group of their own so
/// nothing outlives the test.
struct Browser {
    client: Option<Client>,
    driver: Child,
    profile: TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session with a phone-sized window.
    async fn start(name: &str) -> Self {
        let chromium = tool("TEAMSEATS_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = tool("TEAMSEATS_CHROMEDRIVER", "/usr/bin/chromedriver");
        let profile = tempfile::tempdir().expect("a folder for the browser profile");
        let port = free_port();
        std::fs::create_dir_all(logs()).expect("the log folder");

        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                logs().join(format!("chromedriver-{name}.log")).display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", chromedriver.display()));
        let mut browser = Self {
            client: None,
            driver,
            profile,
        };
        browser.wait_for_driver(port);

        let options = json!({
            "binary": chromium,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--lang=en-US",
                format!("--user-data-dir={}", browser.profile.path().display()),
            ],
            "mobileEmulation": {
                "deviceMetrics": { "width": PHONE.0, "height": PHONE.1, "pixelRatio": 2.0 },
            },
        });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("a Chromium session through chromedriver: {e}"));
        browser.client = Some(client);
        browser
    }

    fn wait_for_driver(&mut self, port: u16) {
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = self.driver.try_wait() {
                panic!("chromedriver stopped at start ({status}); see target/test-logs");
            }
            assert!(
                started.elapsed() < PATIENCE,
                "chromedriver did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("an open session")
    }

    /// Opens a URL and waits until the page shows its heading.
    async fn open(&self, url: &str) -> String {
        self.client().goto(url).await.expect("the page opens");
        self.heading().await
    }

    /// The text of the page's one `h1`, once there is one.
    async fn heading(&self) -> String {
        let h1 = self
            .client()
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css("h1"))
            .await
            .expect("a heading");
        h1.text().await.expect("the heading's text")
    }

    /// Waits until the page's heading reads `expected`, while the browser moves from
    /// one page to the next.
    async fn wait_for_heading(&self, expected: &str) {
        let started = Instant::now();
        loop {
            if let Ok(h1) = self.client().find(Locator::Css("h1")).await
                && h1.text().await.is_ok_and(|text| text == expected)
            {
                return;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "the page did not come to read {expected:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The visible text of the whole page.
    async fn text(&self) -> String {
        self.find("body").await
    }

    /// The visible text of the first element `css` selects.
    async fn find(&self, css: &str) -> String {
        let element = self.client().find(Locator::Css(css)).await;
        let element = element.unwrap_or_else(|e| panic!("an element {css}: {e}"));
        element.text().await.expect("its text")
    }

    /// Runs a script in the page (through the WebDriver, which the page's policy does not
    /// restrict) and returns its value.
    async fn eval(&self, script: &str) -> Value {
        self.client()
            .execute(script, Vec::new())
            .await
            .expect("the script runs")
    }

    /// Saves what the window shows as a PNG in `target/test-artifacts/`.
    async fn screenshot(&self, name: &str) {
        let png = self.client().screenshot().await.expect("a screenshot");
        let folder = workspace().join("target/test-artifacts");
        std::fs::create_dir_all(&folder).expect("the artifacts folder");
        std::fs::write(folder.join(name), png).expect("the screenshot is saved");
    }

    /// Ends the session, which stops Chromium.
    async fn close(mut self) {
        if let Some(client) = self.client.take() {
            client.close().await.expect("the session ends");
        }
    }
}

impl Drop for Browser {
    /// Stops chromedriver and whatever it started, even when the test failed halfway.
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

/// The path of a browser tool, which must exist.
fn tool(variable: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from);
    assert!(
        path.is_file(),
        "the browser tests need {} and it is missing. scripts/test installs Chromium and \
         its WebDriver; by hand: apt-get install chromium chromium-driver (or set {variable})",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn logs() -> PathBuf {
    workspace().join("target/test-logs")
}

/// The status of the one invitation of an account.
async fn invitation_status(app: &TestApp, account: &str) -> Value {
    app.invitations(account, OWNER).await[0]["status"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn opening_the_link_changes_nothing_and_the_button_accepts_once() {
    let app = TestApp::spawn_served().await;
    let account = app.create_account(OWNER, 1).await;
    app.invite(&account, OWNER, &[BOB], json!({})).await;
    let link = app.last_email_to(BOB).link;
    assert!(
        link.starts_with(&format!(
            "{}/invitations/accept?token=",
            app.public_base_url
        )),
        "the email links to the served page: {link}"
    );
    let before = app.state(&account, OWNER).await;
    let browser = Browser::start("accept").await;

    let heading = browser.open(&link).await;
    browser.screenshot("accept-page.png").await;
    let page = browser.text().await;
    assert_eq!(heading, "Join Acme");
    assert_eq!(
        browser.client().title().await.expect("a title"),
        "Invitation to join Acme"
    );
    assert_eq!(
        browser.eval("return document.documentElement.lang").await,
        "en"
    );
    for fact in [
        "olive@acme.test invited you to join Acme",
        "bob@acme.test",
        "a member",
        "a free trial of 7 days",
        "14 January 2030, 09:00 UTC",
    ] {
        assert!(page.contains(fact), "the page says {fact:?}:\n{page}");
    }
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth";
    assert_eq!(
        browser.eval(fits).await,
        json!(true),
        "no sideways scrolling"
    );
    let fetched = "return performance.getEntriesByType('resource').map(e => e.name)";
    assert_eq!(
        browser.eval(fetched).await,
        json!([]),
        "nothing else loaded"
    );

    browser.open(&link).await;
    assert_eq!(
        app.state(&account, OWNER).await,
        before,
        "opening the link twice changed nothing"
    );
    assert_eq!(invitation_status(&app, &account).await, "pending");

    let button = browser.client().find(Locator::Css("form button")).await;
    let button = button.expect("an Accept button");
    assert_eq!(button.text().await.expect("its words"), "Accept invitation");
    button.click().await.expect("the button can be pressed");
    browser.wait_for_heading("You're in").await;
    browser.screenshot("accepted.png").await;
    let page = browser.text().await;
    assert!(
        page.contains("You joined Acme as a member, on a free trial that runs until"),
        "{page}"
    );
    let next = browser.client().find(Locator::Css("a.button")).await;
    let next = next.expect("a link on to the product");
    assert_eq!(
        next.attr("href").await.expect("its address").as_deref(),
        Some("https://app.teamseats.test/")
    );
    let members = app.members(&account, OWNER).await;
    assert_eq!(find_member(&members, BOB)["seat"], "trial");
    assert_eq!(invitation_status(&app, &account).await, "accepted");

    let heading = browser.open(&link).await;
    browser.screenshot("already-accepted.png").await;
    assert_eq!(heading, "Already accepted");
    assert_eq!(app.members(&account, OWNER).await.len(), 2);

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn markup_in_account_and_inviter_names_shows_as_text() {
    let name = "<script>alert(1)</script> & Co";
    let inviter = "o'hara&sons@acme.test";
    let app = TestApp::spawn_served().await;
    let account = app.create_account_named(name, inviter, 1).await;
    app.invite(&account, inviter, &[BOB], json!({})).await;
    let link = app.last_email_to(BOB).link;
    let browser = Browser::start("markup").await;

    let heading = browser.open(&link).await;
    browser.screenshot("markup.png").await;

    assert_eq!(heading, format!("Join {name}"));
    assert_eq!(browser.find("main p strong").await, inviter);
    assert_eq!(
        browser.client().title().await.expect("a title"),
        format!("Invitation to join {name}")
    );
    let scripts = browser.client().find_all(Locator::Css("script")).await;
    assert!(scripts.expect("a query").is_empty(), "no script element");
    assert!(
        browser.client().get_alert_text().await.is_err(),
        "no alert is open"
    );

    browser.close().await;
}
