//! The HTTP side: one axum router whose routes all live under `/api/`, thin handlers that
//! parse, call the domain and map its result, and the OpenAPI document built from the same
//! route table as the router (so the two cannot drift apart).

mod accounts;
mod addresses;
mod charts;
mod form;
mod handlers;
pub mod inputs;
mod interest;
mod members;
mod newsletter;
mod openapi;
mod operator;
mod operator_console;
mod operator_deadlines;
mod operator_factor;
mod operator_figures;
mod operator_gate;
mod operator_needs;
mod operator_orgs;
mod operator_providers;
mod orders;
mod pagination;
mod profile;
pub mod refusal;
pub mod request;
mod responses;
pub mod return_to;
mod roles;
pub mod search;
mod second_factor;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use catalog::forms;

use crate::state::AppState;
pub use handlers::not_found;
pub use openapi::{Auth, RouteDoc, openapi_document};

/// One route: its documentation and its handler.
pub struct Route {
    pub doc: RouteDoc,
    pub handler: MethodRouter<AppState>,
}

/// Every route of the function, in the order of the OpenAPI document.
pub fn routes() -> Vec<Route> {
    use accounts as a;
    use addresses as ad;
    use handlers as h;
    use members as m;
    use newsletter as nl;
    use operator as op;
    use orders as o;
    use profile as pr;
    use roles as ro;
    let r = |doc: RouteDoc, handler: MethodRouter<AppState>| Route { doc, handler };
    vec![
        r(
            RouteDoc::get(
                "/api/sitzung",
                "Anmeldestatus für die Kopfzeile (JSON): Name, Organisation und CSRF-Token der Sitzung",
            ),
            get(h::session_status),
        ),
        r(
            RouteDoc::get(
                "/api/altcha",
                "Neue Proof-of-Work-Aufgabe (ALTCHA-Format) für die Registrierung",
            ),
            get(h::altcha_challenge),
        ),
        r(
            RouteDoc::get(
                "/api/altcha.js",
                "Das Skript, das die Proof-of-Work-Aufgabe im Browser löst",
            ),
            get(h::altcha_script),
        ),
        r(
            RouteDoc::get("/api/openapi.json", "Dieses Dokument"),
            get(h::openapi),
        ),
        r(
            RouteDoc::get(
                "/api/suche",
                "Volltextsuche im Katalog: JSON mit Accept: application/json, sonst HTML-Ergebnisseite; Parameter q, kategorie, typ, anbieter, vertragsmodell, sortierung, seite (alle optional)",
            ),
            get(search::search),
        ),
        r(
            RouteDoc::get("/api/registrierung", "Registrierungsformular (HTML)"),
            get(a::registration_form),
        ),
        r(
            RouteDoc::post(
                "/api/registrierung",
                "Organisation registrieren; sendet den Bestätigungslink",
                &[forms::registration::FIELDS, forms::registration::HUMAN_CHECK],
            ),
            post(a::register),
        ),
        r(
            RouteDoc::get(
                "/api/bestaetigen",
                "Seite mit der Schaltfläche zur Bestätigung der E-Mail-Adresse",
            )
            .query(&["token"]),
            get(a::confirm_page),
        ),
        r(
            RouteDoc::post(
                "/api/bestaetigen",
                "E-Mail-Adresse bestätigen (Link aus der ersten E-Mail)",
                &[forms::confirm::FIELDS],
            ),
            post(a::confirm),
        ),
        r(
            RouteDoc::get(
                "/api/anmeldung",
                "Anmeldeformular (HTML); weiter: Seite des Portals (Pfad mit Abfrage, beginnend mit /), zu der es nach der Anmeldung weitergeht (andere Werte werden ignoriert)",
            )
            .query(&["weiter"]),
            get(a::sign_in_form),
        ),
        r(
            RouteDoc::post(
                "/api/anmeldung",
                "Anmelden; setzt das Sitzungs-Cookie mit neuer Kennung und leitet zu weiter (nur ein Pfad des Portals) oder zum Konto weiter",
                &[forms::sign_in::FIELDS],
            ),
            post(a::sign_in),
        ),
        r(
            RouteDoc::get(
                "/api/anmeldung/code",
                "Zweiter Schritt der Anmeldung mit Zwei-Faktor-Anmeldung: Formular für den Bestätigungscode (HTML); braucht das Cookie der begonnenen Anmeldung; weiter wie bei /api/anmeldung",
            )
            .query(&["weiter"]),
            get(second_factor::code_form),
        ),
        r(
            RouteDoc::post(
                "/api/anmeldung/code",
                "Anmeldung mit dem Code der Authenticator-App (TOTP, RFC 6238) oder einem Wiederherstellungscode abschließen; setzt das Sitzungs-Cookie",
                &[forms::second_factor::sign_in::FIELDS],
            ),
            post(second_factor::code),
        ),
        r(
            RouteDoc::get("/api/abmeldung", "Abmeldeseite mit Schaltfläche (HTML)"),
            get(a::sign_out_page),
        ),
        r(
            RouteDoc::post(
                "/api/abmeldung",
                "Abmelden (CSRF-Token der Sitzung erforderlich)",
                &[forms::sign_out::FIELDS],
            )
            .auth(Auth::Session),
            post(a::sign_out),
        ),
        r(
            RouteDoc::get(
                "/api/passwort-vergessen",
                "Formular „Passwort vergessen“ (HTML)",
            ),
            get(a::forgot_form),
        ),
        r(
            RouteDoc::post(
                "/api/passwort-vergessen",
                "Link zum Zurücksetzen anfordern; antwortet immer gleich",
                &[forms::forgot_password::FIELDS],
            ),
            post(a::forgot),
        ),
        r(
            RouteDoc::get(
                "/api/passwort-setzen",
                "Formular zum Festlegen des Passworts (Link aus der E-Mail)",
            )
            .query(&["token"]),
            get(a::set_password_form),
        ),
        r(
            RouteDoc::post(
                "/api/passwort-setzen",
                "Passwort festlegen (Einladung oder Zurücksetzen); beendet alle Sitzungen",
                &[forms::set_password::FIELDS],
            ),
            post(a::set_password),
        ),
        r(
            RouteDoc::get(
                "/api/konto",
                "„Ihr Konto“: Person und Organisation der Sitzung",
            )
            .auth(Auth::Session),
            get(a::account),
        ),
        r(
            RouteDoc::get(
                "/api/organisationen/{id}",
                "Stammdaten einer Organisation, nur für ihre eigenen Mitglieder",
            )
            .path_param("id")
            .auth(Auth::Session),
            get(a::organisation),
        ),
        r(
            RouteDoc::get(
                "/api/konto/mitarbeitende",
                "„Mitarbeitende“: die Personen der Organisation mit Rolle und Status, das Einladungsformular und das Änderungsprotokoll; mit dem Recht „Mitarbeitende verwalten“",
            )
            .query(&["hinweis"])
            .auth(Auth::Session),
            get(m::list),
        ),
        r(
            RouteDoc::post(
                "/api/konto/mitarbeitende",
                "„Konto hinzufügen“: lädt eine Person mit Name, E-Mail-Adresse und Rolle ein (mitarbeiter, organisationsadmin oder rolle:<id>; Link 7 Tage gültig, einmal nutzbar); mit dem Recht „Mitarbeitende verwalten“",
                &[forms::invite_member::FIELDS],
            )
            .auth(Auth::Session),
            post(m::invite),
        ),
        r(
            RouteDoc::post(
                "/api/konto/mitarbeitende/{id}",
                "Eine Person verwalten: Einladung erneut senden, Rolle ändern, deaktivieren, aktivieren oder löschen (mit bestaetigt=ja); mit dem Recht „Mitarbeitende verwalten“",
                &[forms::member_action::FIELDS],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(m::act),
        ),
        r(
            RouteDoc::get(
                "/api/konto/rollen",
                "„Rollen“: die eigenen Rollen der Organisation mit ihren Rechten und den Personen, die sie haben, und das Formular „Rolle anlegen“; nur für die Administration",
            )
            .query(&["hinweis"])
            .auth(Auth::Session),
            get(ro::list),
        ),
        r(
            RouteDoc::post(
                "/api/konto/rollen",
                "„Rolle anlegen“: Name (in der Organisation eindeutig) und mindestens ein Recht; nur für die Administration",
                &[forms::role::FIELDS],
            )
            .auth(Auth::Session),
            post(ro::create),
        ),
        r(
            RouteDoc::get(
                "/api/konto/rollen/{id}",
                "Eine Rolle der eigenen Organisation zum Bearbeiten; nur für die Administration",
            )
            .path_param("id")
            .auth(Auth::Session),
            get(ro::show),
        ),
        r(
            RouteDoc::post(
                "/api/konto/rollen/{id}",
                "Eine Rolle bearbeiten: neuer Name oder andere Rechte, wirksam ab der nächsten Anfrage ihrer Inhaber; nur für die Administration",
                &[forms::role::FIELDS],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(ro::edit),
        ),
        r(
            RouteDoc::post(
                "/api/konto/rollen/{id}/loeschen",
                "Eine Rolle löschen, wenn sie niemandem mehr zugewiesen ist (sonst 409); nur für die Administration",
                &[forms::role::DELETE_FIELDS],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(ro::delete),
        ),
        r(
            RouteDoc::get(
                "/api/konto/profil",
                "„Profil und Angaben“: eigener Name, Telefon und Passwort; für die Administration die ergänzenden Angaben zur Organisation",
            )
            .query(&["hinweis"])
            .auth(Auth::Session),
            get(pr::show),
        ),
        r(
            RouteDoc::post(
                "/api/konto/profil",
                "Eigenen Namen und eigene Telefonnummer ändern",
                &[forms::profile::FIELDS],
            )
            .auth(Auth::Session),
            post(pr::update_profile),
        ),
        r(
            RouteDoc::get(
                "/api/konto/zwei-faktor",
                "Zwei-Faktor-Anmeldung: Stand; ausgeschaltet mit QR-Code und Schlüssel zum Einrichten",
            )
            .query(&["hinweis", "uebrig"])
            .auth(Auth::Session),
            get(second_factor::show),
        ),
        r(
            RouteDoc::post(
                "/api/konto/zwei-faktor",
                "Zwei-Faktor-Anmeldung einschalten: der erste Code der App bestätigt die Einrichtung; die Antwort zeigt die Wiederherstellungscodes einmal",
                &[forms::second_factor::setup::FIELDS],
            )
            .auth(Auth::Session),
            post(second_factor::enable),
        ),
        r(
            RouteDoc::post(
                "/api/konto/zwei-faktor/aus",
                "Zwei-Faktor-Anmeldung ausschalten (Passwort und ein Code erforderlich)",
                &[forms::second_factor::off::FIELDS],
            )
            .auth(Auth::Session),
            post(second_factor::disable),
        ),
        r(
            RouteDoc::post(
                "/api/konto/passwort",
                "Eigenes Passwort ändern (mit dem aktuellen); alle anderen Sitzungen enden, die Antwort setzt eine neue Sitzung",
                &[forms::change_password::FIELDS],
            )
            .auth(Auth::Session),
            post(pr::change_password),
        ),
        r(
            RouteDoc::post(
                "/api/konto/organisation",
                "Ergänzende Angaben zur Organisation: Inhousefähigkeit, Leitweg-ID, zentrale Telefonnummer; mit dem Recht „Organisationsprofil bearbeiten“",
                &[forms::organisation_details::FIELDS],
            )
            .auth(Auth::Session),
            post(pr::update_organisation),
        ),
        r(
            RouteDoc::get(
                "/api/konto/adressen",
                "„Adressen“: Standorte und Rechnungsadressen der Organisation mit der Standardadresse und dem Formular „Adresse hinzufügen“; nur für die Administration",
            )
            .query(&["hinweis"])
            .auth(Auth::Session),
            get(ad::list),
        ),
        r(
            RouteDoc::post(
                "/api/konto/adressen",
                "„Adresse hinzufügen“: ein Standort oder eine Rechnungsadresse mit Telefonnummer; nur für die Administration",
                &[forms::address::FIELDS],
            )
            .auth(Auth::Session),
            post(ad::add),
        ),
        r(
            RouteDoc::get(
                "/api/konto/adressen/{id}",
                "Eine Adresse der eigenen Organisation zum Bearbeiten; nur für die Administration",
            )
            .path_param("id")
            .auth(Auth::Session),
            get(ad::show),
        ),
        r(
            RouteDoc::post(
                "/api/konto/adressen/{id}",
                "Eine Adresse ändern (aktion=speichern mit den Feldern), zur Standardadresse machen (aktion=standard) oder löschen (aktion=loeschen; nicht die Standardadresse); nur für die Administration",
                &[forms::address_action::FIELDS],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(ad::act),
        ),
        r(
            RouteDoc::get(
                "/api/bestellen/{id}",
                "Bestellformular eines Angebots (HTML, mit CSRF-Token und Idempotenzschlüssel); plan, contract_model, menge und die Optionen (option_<id>) füllen es vor; ohne Anmeldung führt es zur Anmeldung und danach hierher zurück",
            )
            .path_param("id")
            .query(&["plan", "contract_model", "menge"])
            .auth(Auth::Session),
            get(o::order_form),
        ),
        r(
            RouteDoc::post(
                "/api/bestellungen",
                "Bestellung aufgeben; derselbe Idempotenzschlüssel ergibt höchstens eine Bestellung",
                &[forms::order::FIELDS],
            )
            .auth(Auth::Session),
            post(o::submit_order),
        ),
        r(
            RouteDoc::get(
                "/api/warenkorb",
                "„Warenkorb“ der angemeldeten Person: Positionen mit Preis je Einheit und Zeitraum, Änderungen seit dem Hinzufügen, Summen netto je Abrechnungszeitraum",
            )
            .query(&["hinweis"])
            .auth(Auth::Session),
            get(o::cart::show),
        ),
        r(
            RouteDoc::post(
                "/api/warenkorb",
                "„In den Warenkorb“: das Bestellformular eines Angebots (Preismodell, Vertragsmodell, Optionen, Menge), geprüft wie eine Bestellung; Preise stammen aus dem Katalog. Ohne Anmeldung (HTML) führt es zur Anmeldung und danach zum Bestellformular mit dieser Auswahl",
                &[forms::order::FIELDS, forms::cart::FIELDS],
            )
            .auth(Auth::Session),
            post(o::cart::add),
        ),
        r(
            RouteDoc::get(
                "/api/warenkorb/kasse",
                "„Kasse“: alle Positionen des eigenen Warenkorbs mit Summen, die Rechnungsadresse (Standardadresse vorgewählt) und die Zustimmungen",
            )
            .auth(Auth::Session),
            get(o::checkout::show),
        ),
        r(
            RouteDoc::post(
                "/api/warenkorb/kasse",
                "Den Warenkorb bestellen: eine Bestellung je Position, alle oder keine; dieselbe Kennung (idempotency_key) ergibt dieselben Bestellungen einmal",
                &[forms::checkout::FIELDS],
            )
            .auth(Auth::Session),
            post(o::checkout::submit),
        ),
        r(
            RouteDoc::get(
                "/api/warenkorb/kasse/{key}",
                "Bestätigung eines Bestellvorgangs aus dem Warenkorb: die Bestellnummern mit Links",
            )
            .path_param("key")
            .auth(Auth::Session),
            get(o::checkout::done),
        ),
        r(
            RouteDoc::post(
                "/api/warenkorb/{id}",
                "Eine Position des eigenen Warenkorbs ändern (aktion=aendern mit Preismodell, Vertragsmodell, Optionen und menge; bestätigt zugleich ein geändertes Angebot) oder entfernen (aktion=entfernen)",
                &[forms::order::FIELDS, forms::cart::LINE_FIELDS],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(o::cart::act),
        ),
        r(
            RouteDoc::get(
                "/api/konto/bestellungen",
                "Bestellungen der eigenen Organisation, neueste zuerst: alle mit dem Recht „Alle Bestellungen der Organisation sehen“, sonst die eigenen",
            )
            .auth(Auth::Session),
            get(o::my_orders),
        ),
        r(
            RouteDoc::get(
                "/api/konto/bestellungen/{id}",
                "Eine Bestellung mit Status, Verlauf und Vertragsmappe (nur für die eigene Organisation)",
            )
            .path_param("id")
            .auth(Auth::Session),
            get(o::my_order),
        ),
        r(
            RouteDoc::get(
                "/api/konto/bestellungen/{id}/vertragsmappe",
                "Vertragsmappe zum Drucken (HTML)",
            )
            .path_param("id")
            .auth(Auth::Session),
            get(o::folder_html),
        ),
        r(
            RouteDoc::get(
                "/api/konto/bestellungen/{id}/vertragsmappe.pdf",
                "Zusammenfassung der Vertragsmappe als PDF (getaggt)",
            )
            .path_param("id")
            .auth(Auth::Session),
            get(o::folder_pdf),
        ),
        r(
            RouteDoc::get(
                "/api/konto/bestellungen/{id}/vertragsmappe.zip",
                "Alle Dokumente der Vertragsmappe als ZIP-Datei",
            )
            .path_param("id")
            .auth(Auth::Session),
            get(o::folder_zip),
        ),
        r(
            RouteDoc::get(
                "/api/konto/bestellungen/{id}/vertragsmappe/{dokument}",
                "Ein Dokument der Vertragsmappe (stammdaten.txt, produktbeschreibung.md, preis.txt, eigenschaften.txt, agb.md, reifegrad.txt, bedingungen.md, anbieterdokumente.txt, bestelluebersicht.pdf)",
            )
            .path_param("id")
            .path_param("dokument")
            .auth(Auth::Session),
            get(o::folder_document),
        ),
        r(
            RouteDoc::get(
                "/api/konto/eingegangene-bestellungen",
                "„Eingegangene Bestellungen“ eines Anbieters oder des Intermediärs, neueste zuerst, mit Filtern (status, angebot, von, bis), Suche (q) und Seiten (seite); nur für Anbieter- und Intermediärsorganisationen",
            )
            .query(&["status", "angebot", "von", "bis", "q", "seite"])
            .auth(Auth::Session),
            get(o::incoming),
        ),
        r(
            RouteDoc::get(
                "/api/konto/eingegangene-bestellungen.csv",
                "Die gefilterte Liste der eingegangenen Bestellungen als CSV (UTF-8 mit BOM, Semikolon)",
            )
            .query(&["status", "angebot", "von", "bis", "q"])
            .auth(Auth::Session),
            get(o::incoming_csv),
        ),
        r(
            RouteDoc::get(
                "/api/konto/eingegangene-bestellungen/{id}",
                "Eine eingegangene Bestellung mit Verlauf, Vertragsmappe und Entscheidung; nur für den Anbieter der Bestellung oder den Intermediär (Umklappvertrag)",
            )
            .path_param("id")
            .query(&["hinweis"])
            .auth(Auth::Session),
            get(o::incoming_order),
        ),
        r(
            RouteDoc::post(
                "/api/konto/eingegangene-bestellungen/{id}",
                "Entscheidung im Browser: bestätigen, als in Prüfung markieren oder mit Begründung ablehnen (wie die Links der E-Mail; wer zuerst entscheidet, gilt)",
                &[forms::decision::FIELDS],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(o::decide_incoming),
        ),
        r(
            RouteDoc::get(
                "/api/interesse/{id}",
                "Formular „Interesse bekunden“ eines Angebots (HTML); ohne Anmeldung Weiterleitung zu /anmelden/?weiter=/api/interesse/{id}; nur für Kundenorganisationen",
            )
            .path_param("id")
            .auth(Auth::Session),
            get(interest::form),
        ),
        r(
            RouteDoc::post(
                "/api/interesse/{id}",
                "Interesse an einem Angebot bekunden, mit freiwilliger Nachricht; der Anbieter erhält eine E-Mail; je Organisation und Angebot eine offene Bekundung (sonst 409); nur für Kundenorganisationen",
                &[catalog::forms::interest::express::FIELDS],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(interest::express),
        ),
        r(
            RouteDoc::get(
                "/api/konto/interessen",
                "„Ihre Interessenbekundungen“, neueste zuerst: alle der Organisation mit dem Recht „Alle Bestellungen der Organisation sehen“, sonst die eigenen",
            )
            .query(&["hinweis"])
            .auth(Auth::Session),
            get(interest::mine),
        ),
        r(
            RouteDoc::post(
                "/api/konto/interessen/{id}/zurueckziehen",
                "Eine Interessenbekundung zurückziehen; ein zweites Mal ändert nichts",
                &[catalog::forms::interest::withdraw::FIELDS],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(interest::withdraw),
        ),
        r(
            RouteDoc::get(
                "/api/konto/eingegangene-interessen",
                "„Eingegangene Interessenbekundungen“ eines Anbieters, neueste zuerst: Organisation, Person und Kontakt, Angebot, Datum, Nachricht, zurückgezogen oder nicht; nur für Anbieterorganisationen",
            )
            .auth(Auth::Session),
            get(interest::incoming),
        ),
        r(
            RouteDoc::get(
                "/api/konto/eingegangene-bestellungen/{id}/vertragsmappe/{dokument}",
                "Ein Dokument der Vertragsmappe einer eingegangenen Bestellung (wie für den Kunden); nur für den Anbieter der Bestellung oder den Intermediär (Umklappvertrag)",
            )
            .path_param("id")
            .path_param("dokument")
            .auth(Auth::Session),
            get(o::incoming_document),
        ),
        r(
            RouteDoc::get(
                "/api/konto/eingegangene-bestellungen/{id}/vertragsmappe.zip",
                "Alle Dokumente der Vertragsmappe einer eingegangenen Bestellung als ZIP-Datei",
            )
            .path_param("id")
            .auth(Auth::Session),
            get(o::incoming_zip),
        ),
        r(
            RouteDoc::get(
                "/api/konto/kennzahlen",
                "Kennzahlen eines Anbieters oder des Intermediärs (Bestellungen je Monat, Median der Tage bis zur Entscheidung, offene Bestellungen nach Resttagen) als SVG-Diagramme mit Tabellen; JSON mit Accept: application/json",
            )
            .auth(Auth::Session),
            get(o::party_figures),
        ),
        r(
            RouteDoc::get("/api/bedarf", "Formular „Bedarf melden“ (HTML); titel füllt den Titel vor")
                .query(&["titel"])
                .auth(Auth::Session),
            get(o::need_form),
        ),
        r(
            RouteDoc::post("/api/bedarf", "Bedarf melden", &[forms::need::FIELDS]).auth(Auth::Session),
            post(o::submit_need),
        ),
        r(
            RouteDoc::get(
                "/api/entscheidung",
                "Entscheidungsseite aus dem Link der Bestell-E-Mail (Anbieter oder Intermediär)",
            )
            .query(&["token", "aktion"]),
            get(o::decision_page),
        ),
        r(
            RouteDoc::post(
                "/api/entscheidung",
                "Bestellung bestätigen, als in Prüfung markieren oder mit Begründung ablehnen; ein Link gilt für eine Entscheidung",
                &[&[forms::decision::TOKEN], forms::decision::FIELDS],
            ),
            post(o::decide_by_link),
        ),
        r(
            RouteDoc::get(
                "/api/partner/bestellungen",
                "Bestellungen des Anbieters (alle) oder des Intermediärs (offene Umklappverträge)",
            )
            .auth(Auth::Partner),
            get(o::party_orders),
        ),
        r(
            RouteDoc::get("/api/partner/bestellungen/{id}", "Eine Bestellung mit Vertragsmappe")
                .path_param("id")
                .auth(Auth::Partner),
            get(o::party_order),
        ),
        r(
            RouteDoc::post(
                "/api/partner/bestellungen/{id}/entscheidung",
                "Entscheidung des Anbieters oder Intermediärs",
                &[forms::decision::FIELDS],
            )
            .path_param("id")
            .auth(Auth::Partner),
            post(o::party_decide),
        ),
        r(
            RouteDoc::get(
                "/api/newsletter",
                "Newsletter-Formular als eigene Seite (HTML; ohne JavaScript mit Rechenfrage)",
            ),
            get(nl::form),
        ),
        r(
            RouteDoc::post(
                "/api/newsletter",
                "Newsletter bestellen (Double-Opt-in): sendet den Bestätigungslink; antwortet für jede Adresse gleich",
                &[forms::newsletter::FIELDS, forms::newsletter::HUMAN_CHECK],
            ),
            post(nl::subscribe),
        ),
        r(
            RouteDoc::get(
                "/api/newsletter/bestaetigen",
                "Seite mit der Schaltfläche zur Bestätigung des Newsletter-Abonnements (Link aus der E-Mail)",
            )
            .query(&["token"]),
            get(nl::confirm_page),
        ),
        r(
            RouteDoc::post(
                "/api/newsletter/bestaetigen",
                "Newsletter-Abonnement bestätigen; ein Link gilt einmal",
                &[forms::newsletter_confirm::FIELDS],
            ),
            post(nl::confirm),
        ),
        r(
            RouteDoc::get(
                "/api/newsletter/abmelden",
                "Seite mit der Schaltfläche zum Abbestellen (Link aus dem Newsletter); ein Aufruf allein bestellt nichts ab",
            )
            .query(&["token"]),
            get(nl::unsubscribe_page),
        ),
        r(
            RouteDoc::post(
                "/api/newsletter/abmelden",
                "Newsletter abbestellen und die Adresse löschen; auch als Ein-Klick-Abmeldung nach RFC 8058 (List-Unsubscribe-Post), mit dem Token in der Adresse",
                &[forms::newsletter_unsubscribe::FIELDS],
            )
            .query(&["token"]),
            post(nl::unsubscribe),
        ),
        r(
            RouteDoc::get("/api/hinweis/{name}", "Ergebnisseiten der Formulare (HTML)")
                .path_param("name"),
            get(h::notice),
        ),
        r(
            RouteDoc::get(
                "/api/betrieb/registrierungen",
                "Registrierungen, die auf die Prüfung warten; ohne Token für angemeldete Betreiberkonten die Seite „Registrierungen prüfen“ (HTML)",
            )
            .query(&["hinweis"])
            .auth(Auth::Operator),
            get(op::pending_registrations),
        ),
        r(
            RouteDoc::get(
                "/api/betrieb/registrierungen/{id}",
                "Eine Registrierung (JSON); ohne Token für angemeldete Betreiberkonten die Seite mit Freigabe und Ablehnung (HTML)",
            )
            .path_param("id")
            .auth(Auth::Operator),
            get(op::registration),
        ),
        r(
            RouteDoc::post(
                "/api/betrieb/registrierungen/{id}/freigabe",
                "Registrierung freigeben; lädt zum Festlegen des Passworts ein (Token, oder Sitzung eines Betreiberkontos mit CSRF-Token)",
                &[],
            )
            .path_param("id")
            .auth(Auth::Operator),
            post(op::approve_registration),
        ),
        r(
            RouteDoc::post(
                "/api/betrieb/registrierungen/{id}/ablehnung",
                "Registrierung mit Begründung ablehnen (Token, oder Sitzung eines Betreiberkontos mit CSRF-Token)",
                &[forms::reject_registration::FIELDS],
            )
            .path_param("id")
            .auth(Auth::Operator),
            post(op::reject_registration),
        ),
        r(
            RouteDoc::get(
                "/api/betrieb/bedarfe",
                "Gemeldete Bedarfe, neueste zuerst; ohne Token für angemeldete Betreiberkonten die Seite „Gemeldete Bedarfe“ mit Filtern (kategorie, stand, von, bis) in Seiten zu 20 (seite; eine Seite nach der letzten leitet zur letzten) (HTML)",
            )
            .query(&["kategorie", "stand", "von", "bis", "seite", "hinweis", "bedarf"])
            .auth(Auth::Operator),
            get(op::operator_needs),
        ),
        r(
            RouteDoc::get(
                "/api/betrieb/bedarfe.csv",
                "Die gefilterte Liste der gemeldeten Bedarfe als CSV (UTF-8 mit BOM, Semikolon); Sitzung eines Betreiberkontos",
            )
            .query(&["kategorie", "stand", "von", "bis"])
            .auth(Auth::Session),
            get(operator_needs::needs_csv_file),
        ),
        r(
            RouteDoc::post(
                "/api/betrieb/bedarfe/{id}/erledigt",
                "Einen gemeldeten Bedarf als erledigt markieren (einmal; ein zweites Mal nennt, wer ihn wann markiert hat); Sitzung eines Betreiberkontos mit CSRF-Token",
                &[],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(operator_needs::mark_handled),
        ),
        r(
            RouteDoc::get(
                "/api/betrieb/organisationen",
                "„Organisationen“: Suche nach dem Namen (q), mit Art, Stand, Personen und Bestellungen, nach Namen in Seiten zu 25 (seite; eine Seite nach der letzten leitet zur letzten); Sitzung eines Betreiberkontos (HTML)",
            )
            .query(&["q", "seite"])
            .auth(Auth::Session),
            get(operator_orgs::organisations),
        ),
        r(
            RouteDoc::get(
                "/api/betrieb/organisationen/{id}",
                "Eine Organisation mit Personen, Bestellungen, Änderungsprotokoll und den Formularen des Betreibers (HTML)",
            )
            .path_param("id")
            .query(&["hinweis"])
            .auth(Auth::Session),
            get(operator_orgs::organisation),
        ),
        r(
            RouteDoc::post(
                "/api/betrieb/organisationen/{id}/name",
                "Name und Rechtsform einer Organisation ändern (auf ihren Wunsch; Änderungsprotokoll); Sitzung eines Betreiberkontos mit CSRF-Token",
                &[catalog::forms::operator::org_name::FIELDS],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(operator_orgs::rename),
        ),
        r(
            RouteDoc::post(
                "/api/betrieb/organisationen/{id}/hauptadmin",
                "Die Hauptadministration an eine aktive Person der Organisation übertragen; Sitzung eines Betreiberkontos mit CSRF-Token",
                &[catalog::forms::operator::org_hauptadmin::FIELDS],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(operator_orgs::hauptadmin),
        ),
        r(
            RouteDoc::post(
                "/api/betrieb/organisationen/{id}/deaktivieren",
                "Eine freigegebene Organisation deaktivieren: ihre Personen können sich nicht mehr anmelden, offene Sitzungen enden; Sitzung eines Betreiberkontos mit CSRF-Token",
                &[],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(operator_orgs::deactivate),
        ),
        r(
            RouteDoc::post(
                "/api/betrieb/organisationen/{id}/reaktivieren",
                "Eine deaktivierte Organisation wieder aktivieren; Sitzung eines Betreiberkontos mit CSRF-Token",
                &[],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(operator_orgs::reactivate),
        ),
        r(
            RouteDoc::get(
                "/api/betrieb/anbieter",
                "„Anbieterorganisationen“: jede Organisation eines Anbieters und des Intermediärs mit der Kennung des Anbieters, der ersten Hauptadministration und dem Stand ihrer Einladung, dazu die Anbieter des Katalogs ohne Organisation; Sitzung eines Betreiberkontos (HTML oder JSON)",
            )
            .query(&["hinweis"])
            .auth(Auth::Session),
            get(operator_providers::providers_page),
        ),
        r(
            RouteDoc::post(
                "/api/betrieb/anbieter",
                "Die Organisation eines Anbieters aus dem Katalog oder des Intermediärs anlegen und ihre erste Hauptadministration per E-Mail einladen (wie `csp-function admin create-provider-org`); Sitzung eines Betreiberkontos mit CSRF-Token",
                &[catalog::forms::operator::party_org::FIELDS],
            )
            .auth(Auth::Session),
            post(operator_providers::create),
        ),
        r(
            RouteDoc::post(
                "/api/betrieb/anbieter/{id}/einladung",
                "„Einladung erneut senden“ an die erste Hauptadministration einer Anbieterorganisation, die noch kein Passwort gesetzt hat: neuer Link, der frühere gilt nicht mehr; höchstens 5-mal je Organisation und Stunde, danach 429 ohne Mail; Sitzung eines Betreiberkontos mit CSRF-Token",
                &[],
            )
            .path_param("id")
            .auth(Auth::Session),
            post(operator_providers::resend),
        ),
        r(
            RouteDoc::get(
                "/api/betrieb/bestellungen/ueberfaellig",
                "Unentschiedene Bestellungen nach Ablauf der 30-Tage-Frist; ohne Token für angemeldete Betreiberkonten die Seite „Fristen“: unentschiedene Bestellungen, deren Frist in höchstens 10 Tagen endet oder abgelaufen ist, mit der Partei, die am Zug ist, und die vom Portal in den letzten 90 Tagen an der Frist geschlossenen (HTML)",
            )
            .auth(Auth::Operator),
            get(op::operator_overdue),
        ),
        r(
            RouteDoc::get(
                "/api/betrieb/kennzahlen",
                "Kennzahlen des Portals (Registrierungen und Bestellungen je Woche, Bedarfe je Kategorie): mit Token als JSON; ohne Token für angemeldete Betreiberkonten die Seite mit SVG-Diagrammen und Tabellen (HTML)",
            )
            .auth(Auth::Operator),
            get(operator_figures::operator_figures),
        ),
        r(
            RouteDoc::get(
                "/api/betrieb/zwei-faktor",
                "„Zweiten Faktor zurücksetzen“: das Formular (email füllt die Adresse vor), nach dem Zurücksetzen mit Hinweis (zurueckgesetzt); Sitzung eines Betreiberkontos (HTML)",
            )
            .query(&["email", "zurueckgesetzt"])
            .auth(Auth::Session),
            get(operator_factor::factor_page),
        ),
        r(
            RouteDoc::post(
                "/api/betrieb/zwei-faktor",
                "Den verlorenen zweiten Faktor einer anderen Person zurücksetzen (wie csp-function admin reset-second-factor): ohne bestaetigt=ja zeigt die Antwort, wessen Faktor es ist, und fragt nach; mit bestaetigt=ja werden Faktor und Sitzungen beendet, die Person per E-Mail informiert, das Änderungsprotokoll nennt die handelnde Person. Nicht der eigene Faktor; begrenzt je Betreiberkonto; Sitzung eines Betreiberkontos mit CSRF-Token",
                &[catalog::forms::operator::factor_reset::FIELDS],
            )
            .auth(Auth::Session),
            post(operator_factor::reset_factor),
        ),
    ]
}

/// The function's router: every route under `/api/`, with body limit, security headers and
/// request logging. It has no fallback, so it can be merged into a router that serves the
/// static site (`csp serve`); see [`standalone_router`] for serving it alone.
pub fn router(state: AppState) -> Router {
    harden(api_routes(), state)
}

/// [`router`] with a German 404 for unknown paths: what the binary serves locally and on
/// Lambda.
pub fn standalone_router(state: AppState) -> Router {
    harden(api_routes().fallback(not_found), state)
}

fn api_routes() -> Router<AppState> {
    let mut router: Router<AppState> = Router::new();
    for route in routes() {
        router = router.route(route.doc.path, route.handler);
    }
    router
}

fn harden(router: Router<AppState>, state: AppState) -> Router {
    router
        .layer(DefaultBodyLimit::max(request::BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            operator_gate::require_operator_second_factor,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refusal::render_refusals,
        ))
        .layer(middleware::from_fn(log_and_harden))
        .with_state(state)
}

/// Logs each request with an id (Lambda's request id, or a random one) and no personal data
/// (the path without its query, which may carry a token), and adds security headers.
async fn log_and_harden(request: Request, next: Next) -> Response {
    let request_id = request
        .extensions()
        .get::<lambda_http::Context>()
        .map(|ctx| ctx.request_id.clone())
        .unwrap_or_else(|| crate::domain::tokens::hex(&crate::domain::tokens::random_bytes::<8>()));
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let span = tracing::info_span!("request", id = %request_id);
    let started = std::time::Instant::now();
    let mut response = tracing::Instrument::instrument(next.run(request), span.clone()).await;
    let headers = response.headers_mut();
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    ];
    for (name, value) in fixed {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    let _entered = span.enter();
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(%method, path, status = response.status().as_u16(), ms, "handled");
    response
}
