//! Back where one was after signing in (`?weiter=`), over HTTP as a browser does it, on
//! every store: "In den Warenkorb" without a session leads to the sign-in page and back to
//! the order form with the choice kept; the static sign-in page sent without JavaScript
//! returns through the page's address; the second factor keeps the way back; anything but a
//! local path falls back to the account page.

use std::sync::Arc;

use functions::domain::Clock;
use functions::domain::orders::ports::PortalStore;

use super::flows::{register_confirm_approve, set_password_and_sign_in};
use super::second_factor::{app_code, setup_page, switch_on};
use super::*;

const PENDING: &str = "__Host-csp-anmeldung";

/// dMessenger configured as on the order form, with a quantity for the Warenkorb.
const CHOICE: &[(&str, &str)] = &[
    ("offering", "dmessenger"),
    ("plan", "standard"),
    ("contract_model", "direktvertrag"),
    ("option_nutzer", "250"),
    ("option_rechenzentrum", "Hamburg"),
    ("option_foederation", "ja"),
    ("menge", "25"),
];

/// The order form with that choice, as the way back after signing in names it.
const BACK: &str = "/api/bestellen/dmessenger?contract_model=direktvertrag&menge=25&option_foederation=ja&option_nutzer=250&option_rechenzentrum=Hamburg&plan=standard";

/// The `weiter` parameter of a sign-in page's address.
fn weiter_of(location: &str) -> String {
    let query = location
        .strip_prefix("/anmelden/?")
        .unwrap_or_else(|| panic!("not the sign-in page: {location}"));
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "weiter")
        .map(|(_, v)| v.into_owned())
        .expect("weiter")
}

async fn sign_in_with(app: &TestApp, email: &str, fields: &[(&str, &str)], opts: Opts) -> Reply {
    let mut all = vec![("email", email), ("passwort", PASSWORD)];
    all.extend_from_slice(fields);
    app.post_form("/api/anmeldung", &all, opts).await
}

pub async fn sign_in_returns_to_the_page_asked_for(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let email = "zurueck@korbstadt.de";
    let link = register_confirm_approve(&app, "Stadt Korbstadt", email).await;
    set_password_and_sign_in(&app, &link, email).await;

    // "In den Warenkorb" without a session: to the sign-in page, the choice in its address;
    // nothing is kept on the server. A script is told to sign in.
    let away = app.post_form("/api/warenkorb", CHOICE, Opts::html()).await;
    assert_eq!(away.status, 303, "{}", away.body);
    let location = away.location.clone().expect("location");
    assert_eq!(weiter_of(&location), BACK);
    let script = app.post_form("/api/warenkorb", CHOICE, Opts::json()).await;
    assert_eq!(script.status, 401, "{}", script.body);
    // The order form's address leads there too ("In den Warenkorb" on the detail page).
    let form = app.get(BACK, Opts::html()).await;
    assert_eq!(
        (form.status, form.location.as_deref()),
        (303, Some(location.as_str()))
    );
    let plain = app.get("/api/bestellen/dmessenger", Opts::html()).await;
    assert_eq!(
        plain.location.as_deref(),
        Some("/anmelden/?weiter=%2Fapi%2Fbestellen%2Fdmessenger")
    );

    // The function's sign-in page carries the way back in its form.
    let page = app
        .get(
            &format!(
                "/api/anmeldung?{}",
                location.trim_start_matches("/anmelden/?")
            ),
            Opts::html(),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        markup::attrs(
            &page.body,
            "main form input[type=hidden][name=weiter]",
            "value"
        ),
        [BACK]
    );
    // A wrong password keeps it.
    let wrong = app
        .post_form(
            "/api/anmeldung",
            &[
                ("email", email),
                ("passwort", "falsch falsch falsch"),
                ("weiter", BACK),
            ],
            Opts::html(),
        )
        .await;
    assert!(wrong.status >= 400, "{}", wrong.body);
    assert_eq!(
        markup::attrs(&wrong.body, "main form input[name=weiter]", "value"),
        [BACK]
    );

    // Signed in: back to the order form, filled in with the choice.
    let back = sign_in_with(&app, email, &[("weiter", BACK)], Opts::html()).await;
    assert_eq!(back.location.as_deref(), Some(BACK), "{}", back.body);
    let cookie = back.session_cookie().expect("session");
    let json = sign_in_with(&app, email, &[("weiter", BACK)], Opts::json()).await;
    assert_eq!(json.json()["weiter"], BACK);
    let form = app.get(BACK, Opts::html().cookie(&cookie)).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let body = &form.body;
    assert_eq!(
        markup::attrs(body, "main input[name=plan][checked]", "value"),
        ["standard"]
    );
    assert_eq!(
        markup::attrs(body, "main input[name=contract_model][checked]", "value"),
        ["direktvertrag"]
    );
    assert_eq!(
        markup::attrs(body, "main input[name=option_nutzer]", "value"),
        ["250"]
    );
    assert_eq!(
        markup::texts(
            body,
            "main select[name=option_rechenzentrum] option[selected]"
        ),
        ["Hamburg"]
    );
    assert_eq!(
        markup::attrs(
            body,
            "main input[name=option_foederation][checked]",
            "value"
        ),
        ["ja"]
    );
    assert_eq!(
        markup::attrs(body, "main input[name=menge]", "value"),
        ["25"]
    );
    // One press of "In den Warenkorb" keeps it, with its quantity.
    let csrf = app.csrf_token(&cookie).await;
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(CHOICE);
    let added = app
        .post_form("/api/warenkorb", &fields, Opts::html().cookie(&cookie))
        .await;
    assert_eq!(
        added.location.as_deref(),
        Some("/api/warenkorb?hinweis=hinzugefuegt"),
        "{}",
        added.body
    );
    let cart = app
        .get("/api/warenkorb", Opts::json().cookie(&cookie))
        .await;
    assert_eq!(cart.json()["positionen"][0]["menge"], 25, "{}", cart.body);

    // The static page sent without JavaScript has no value in its field: the address of the
    // page it was sent from counts (another feature's way back, for instance).
    let static_page = sign_in_with(
        &app,
        email,
        &[("weiter", "")],
        Opts::html().referer("/anmelden/?weiter=%2Fapi%2Finteresse%2Fdmessenger"),
    )
    .await;
    assert_eq!(
        static_page.location.as_deref(),
        Some("/api/interesse/dmessenger")
    );

    // Anything but a local path: the account page, as without.
    for hostile in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/api/konto\r\nSet-Cookie: x=1",
        "/%2F%2Fevil.example",
    ] {
        let reply = sign_in_with(&app, email, &[("weiter", hostile)], Opts::html()).await;
        assert_eq!(reply.location.as_deref(), Some("/api/konto"), "{hostile:?}");
        let encoded: String = form_urlencoded::byte_serialize(hostile.as_bytes()).collect();
        let page = app
            .get(&format!("/api/anmeldung?weiter={encoded}"), Opts::html())
            .await;
        assert_eq!(
            markup::attrs(&page.body, "main form input[name=weiter]", "value"),
            [""],
            "{hostile:?}"
        );
        let referred = sign_in_with(
            &app,
            email,
            &[],
            Opts::html().referer(&format!("/anmelden/?weiter={encoded}")),
        )
        .await;
        assert_eq!(
            referred.location.as_deref(),
            Some("/api/konto"),
            "{hostile:?}"
        );
    }
    // A referrer that is not a sign-in page does not count.
    let elsewhere = sign_in_with(
        &app,
        email,
        &[],
        Opts::html().referer("/cloud-services/?weiter=%2Fapi%2Fwarenkorb"),
    )
    .await;
    assert_eq!(elsewhere.location.as_deref(), Some("/api/konto"));
}

pub async fn the_second_factor_keeps_the_page_asked_for(store: Arc<dyn PortalStore>) {
    let app = spawn(store).await;
    let email = "zweimal@korbstadt.de";
    let link = register_confirm_approve(&app, "Amt Korbzwei", email).await;
    let cookie = set_password_and_sign_in(&app, &link, email).await;
    let (key, proof) = setup_page(&app, &cookie).await;
    let on = switch_on(&app, &cookie, &proof, &app_code(&key, app.clock.now())).await;
    assert_eq!(on.status, 200, "{}", on.body);

    // The password step sends the way back on to the code page, which carries it.
    let step = sign_in_with(&app, email, &[("weiter", BACK)], Opts::html()).await;
    let code_page = format!(
        "/api/anmeldung/code?weiter={}",
        form_urlencoded::byte_serialize(BACK.as_bytes()).collect::<String>()
    );
    assert_eq!(
        step.location.as_deref(),
        Some(code_page.as_str()),
        "{}",
        step.body
    );
    let pending = step.cookie_set(PENDING).expect("pending sign-in");
    let pending_cookie = format!("{PENDING}={pending}");
    let page = app
        .get(&code_page, Opts::html().other_cookie(&pending_cookie))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        markup::attrs(&page.body, "main form input[name=weiter]", "value"),
        [BACK]
    );
    // A wrong code keeps it; the right one leads there.
    let wrong = app
        .post_form(
            "/api/anmeldung/code",
            &[("code", "000000"), ("weiter", BACK)],
            Opts::html().other_cookie(&pending_cookie),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(
        markup::attrs(&wrong.body, "main form input[name=weiter]", "value"),
        [BACK]
    );
    // The next period's code: the switch-on code of this period is used up.
    app.clock.advance(30);
    let code = app_code(&key, app.clock.now());
    let done = app
        .post_form(
            "/api/anmeldung/code",
            &[("code", &code), ("weiter", BACK)],
            Opts::html().other_cookie(&pending_cookie),
        )
        .await;
    assert_eq!(done.location.as_deref(), Some(BACK), "{}", done.body);
    assert!(done.session_cookie().is_some());
}
