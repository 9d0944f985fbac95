//! `csp-function`: the portal's function. Serves AWS Lambda invocations when
//! `AWS_LAMBDA_RUNTIME_API` is set, otherwise the command line below.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use functions::domain::model::Decision;
use functions::{AppState, Config, standalone_router};

#[derive(Parser)]
#[command(
    name = "csp-function",
    version,
    about = "Die Funktion des Cloud-Service-Portals: lokal als HTTP-Server, auf AWS Lambda über lambda_http."
)]
struct Cli {
    /// Data folder (SQLite, .eml mails, signing key) when no DynamoDB table is configured
    /// (default: CSP_DATA_DIR, else .csp/function).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the API over HTTP (routes under /api/).
    Serve {
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Where people reach the portal (links in mails, allowed origin; default:
        /// CSP_PUBLIC_URL).
        #[arg(long)]
        public_url: Option<String>,
    },
    /// Operator tasks.
    Admin {
        #[command(subcommand)]
        task: AdminTask,
    },
}

#[derive(Subcommand)]
enum AdminTask {
    /// Lists registrations waiting for review.
    Registrations,
    /// Approves a registration; the administrator is invited to set a password.
    Approve { id: String },
    /// Rejects a registration with a reason.
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Makes a person of an organisation its Hauptadmin (the organisation cannot do it
    /// itself); the person must have set a password and be active. The previous Hauptadmin
    /// stays an Organisationsadmin; the change is recorded in the organisation's audit trail.
    SetHauptadmin {
        /// The organisation's id.
        org: String,
        /// The e-mail address of the new Hauptadmin.
        #[arg(long)]
        email: String,
    },
    /// Creates the organisation of a provider (or of the intermediary) and invites its
    /// first Hauptadmin by mail (link valid 7 days, used once); its people are then managed
    /// under Ihr Konto › Mitarbeitende, its orders under Eingegangene Bestellungen.
    CreateProviderOrg {
        /// The provider's id (as in content/providers/).
        #[arg(
            long,
            conflicts_with = "intermediary",
            required_unless_present = "intermediary"
        )]
        provider: Option<String>,
        /// The intermediary (Umklappvertrag) instead of a provider.
        #[arg(long)]
        intermediary: bool,
        /// The organisation's name.
        #[arg(long)]
        name: String,
        /// The e-mail address of the first Hauptadmin.
        #[arg(long)]
        email: String,
        /// The name of the first Hauptadmin.
        #[arg(long, default_value = "Hauptadministration")]
        admin_name: String,
    },
    /// Creates the operator's organisation (Betreiber, one per portal) and invites its first
    /// person by mail (link valid 7 days, used once). Operators must sign in with a second
    /// factor; further operators are invited under Ihr Konto › Mitarbeitende.
    CreateOperator {
        /// The name of the person.
        #[arg(long)]
        name: String,
        /// The person's e-mail address.
        #[arg(long)]
        email: String,
        /// The name of the operator's organisation.
        #[arg(long, default_value = "Betrieb des Cloud-Service-Portals")]
        org_name: String,
    },
    /// Removes a person's second factor (a lost authenticator app and no recovery code
    /// left): the sessions end, the person is told by mail, the organisation's audit trail
    /// records it. An operator sets up a new factor at the next sign-in. Check first that
    /// the request really comes from the person.
    ResetSecondFactor {
        /// The person's e-mail address.
        #[arg(long)]
        email: String,
    },
    /// Creates the DynamoDB table (DynamoDB Local; on AWS the SAM template does it).
    CreateTable,
    /// DynamoDB only: writes, for orders stored before the consoles and their figures, the
    /// intermediary's marker of each Umklappvertrag and the month entry the operator's
    /// figures read, and for provider and intermediary organisations created before the
    /// operator's "Anbieterorganisationen" the index entry that page reads. Reads the table
    /// once; running it again changes nothing more. (Formerly `backfill-order-markers`.)
    #[command(name = "backfill-markers", alias = "backfill-order-markers")]
    BackfillOrderMarkers,
    /// Sends queued mails now.
    SendMails,
    /// Lists reported needs (Bedarf), newest first.
    Needs,
    /// Lists undecided orders past their 30-day deadline.
    Overdue,
    /// Runs the scheduled work once: deadline reminders and expiries, removal of expired
    /// records and unconfirmed registrations, mail delivery.
    RunDueWork,
    /// The newsletter: export the confirmed addresses, or send an issue.
    Newsletter {
        #[command(subcommand)]
        task: NewsletterTask,
    },
    /// Prints the API bearer token of a provider or of the intermediary.
    ApiToken {
        /// The provider's id (as in content/providers/).
        #[arg(
            long,
            conflicts_with = "intermediary",
            required_unless_present = "intermediary"
        )]
        provider: Option<String>,
        /// The intermediary (Umklappvertrag).
        #[arg(long)]
        intermediary: bool,
    },
}

#[derive(Subcommand)]
enum NewsletterTask {
    /// Writes the confirmed addresses as CSV for German spreadsheet programs (UTF-8 with byte
    /// order mark, `;` between fields): address, entered, confirmed.
    Export {
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Queues an issue for every confirmed address: FILE is Markdown, its first heading the
    /// subject; sent as plain text and HTML with an unsubscribe link and List-Unsubscribe
    /// headers. Throttled to --per-minute mails a minute through the outbox (which retries
    /// failed sends); the same FILE reaches each address once, however often this runs.
    Send {
        file: PathBuf,
        /// At most this many mails a minute.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        per_minute: u32,
    },
}

/// The router as the binary serves it: every 5xx logged with its cause, and, with
/// `CSP_ORIGIN_SECRET` set, only requests that came through the CDN let in.
fn guarded(state: &AppState) -> axum::Router {
    use functions::web::request::{log_server_errors, require_origin_secret};
    standalone_router(state.clone())
        .layer(axum::middleware::from_fn(log_server_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_origin_secret,
        ))
}

/// Serves Lambda invocations: API Gateway events through the router, and the EventBridge
/// schedule's events (`deploy/template.yaml`) by running the due work once.
///
/// `lambda_http::run` accepts API Gateway events only, so the payload is read as JSON first
/// and handed to `lambda_http`'s own adapter when it is not a scheduled event; the adapter
/// is the only public way to the response conversion (`LambdaResponse::from_response` is
/// crate-private) and keeps the HTTP path exactly as `lambda_http::run` runs it.
async fn serve_lambda(state: AppState) -> Result<(), lambda_http::Error> {
    use lambda_http::request::LambdaRequest;
    use lambda_http::{LambdaEvent, Service};
    let app = guarded(&state);
    lambda_http::lambda_runtime::run(lambda_http::service_fn(
        move |event: LambdaEvent<serde_json::Value>| {
            let state = state.clone();
            let mut http = lambda_http::Adapter::from(app.clone());
            async move {
                if is_scheduled_event(&event.payload) {
                    let work = state.run_due_work().await;
                    return Ok::<_, lambda_http::Error>(serde_json::to_value(work)?);
                }
                let request: LambdaRequest = serde_json::from_value(event.payload)?;
                std::future::poll_fn(|cx| http.poll_ready(cx)).await?;
                let response = http.call(LambdaEvent::new(request, event.context)).await?;
                Ok(serde_json::to_value(response)?)
            }
        },
    ))
    .await
}

/// An EventBridge (CloudWatch Events) scheduled event.
fn is_scheduled_event(payload: &serde_json::Value) -> bool {
    payload["source"] == "aws.events" && payload["detail-type"] == "Scheduled Event"
}

/// The configuration with the command line's data folder, if one was given.
fn configured(config: Config, data_dir: Option<PathBuf>) -> Config {
    match data_dir {
        Some(dir) => config.with_data_dir(dir),
        None => config,
    }
}

fn init_logging(json: bool) {
    functions::logging::init(json, "info,aws_smithy_runtime=warn,aws_sdk_dynamodb=warn");
}

#[tokio::main]
async fn main() -> Result<()> {
    // The one read of the environment (see `functions::config`).
    let config = Config::from_env();
    let on_lambda = match &config {
        Ok(config) => config.on_lambda,
        Err(e) => e.on_lambda,
    };
    if on_lambda {
        init_logging(true);
        let config = config.context("configuring the function")?;
        let state = AppState::from_config(&config).context("configuring the function")?;
        return serve_lambda(state)
            .await
            .map_err(|e| anyhow::anyhow!("Lambda runtime: {e}"));
    }
    let cli = Cli::parse();
    init_logging(false);
    match cli.command {
        Command::Serve {
            port,
            bind,
            public_url,
        } => {
            let mut config = configured(config.context("configuring the function")?, cli.data_dir);
            if public_url.is_some() {
                config.public_url = public_url;
            }
            let state = AppState::from_config(&config)?;
            let app = guarded(&state);
            tokio::spawn(state.outbox.clone().deliver_forever());
            tokio::spawn(functions::due_work::run_forever(
                state.clone(),
                functions::due_work::PERIOD,
            ));
            let listener = tokio::net::TcpListener::bind((bind.as_str(), port))
                .await
                .with_context(|| format!("cannot listen on {bind}:{port}"))?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, "listening");
            println!("csp-function listening on http://{addr}");
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
        Command::Admin { task } => {
            let config = configured(config.context("configuring the function")?, cli.data_dir);
            if matches!(task, AdminTask::CreateTable) {
                let dynamodb = config.dynamodb.context("CSP_DYNAMODB_TABLE is not set")?;
                functions::store::DynamoStore::new(&dynamodb)
                    .create_table()
                    .await?;
                println!("Tabelle {} angelegt.", dynamodb.table);
                return Ok(());
            }
            if matches!(task, AdminTask::BackfillOrderMarkers) {
                let Some(dynamodb) = config.dynamodb else {
                    println!(
                        "Nichts zu tun: Die SQLite-Datenbank bringt ihre Migrationen selbst mit; nur DynamoDB braucht diesen Befehl."
                    );
                    return Ok(());
                };
                let done = functions::store::DynamoStore::new(&dynamodb)
                    .backfill_order_markers()
                    .await?;
                println!(
                    "{} Bestellungen gelesen: {} Intermediärs-Einträge, {} Monatseinträge und {} Einträge geschlossener Bestellungen ergänzt, {} Sortierschlüssel erneuert.",
                    done.orders,
                    done.intermediary_markers,
                    done.month_entries,
                    done.closed_markers,
                    done.sort_keys
                );
                println!(
                    "{} Organisationen von Anbietern, Intermediär und Betrieb gelesen: {} Einträge für die Liste „Anbieterorganisationen“ ergänzt.",
                    done.parties, done.party_entries
                );
                if !done.wrote_anything() {
                    println!("Nichts geschrieben: Alle Einträge waren schon vorhanden.");
                }
                return Ok(());
            }
            let state = AppState::from_config(&config)?;
            admin(state, task).await?;
        }
    }
    Ok(())
}

async fn admin(state: AppState, task: AdminTask) -> Result<()> {
    use functions::domain::orders::ApiParty;
    use functions::domain::orders::documents::{german_datetime, german_day};
    let accounts = &state.accounts;
    match task {
        AdminTask::Registrations => {
            let pending = accounts.pending_registrations().await?;
            if pending.is_empty() {
                println!("Keine Registrierung wartet auf die Prüfung.");
            }
            for org in pending {
                let admin = accounts.store().get_user(&org.admin_user_id).await?;
                println!(
                    "{}  {} ({}), {} {} {}",
                    org.id, org.name, org.legal_form, org.street, org.postcode, org.city
                );
                if let Some(admin) = admin {
                    println!(
                        "    Administrator: {} <{}>, Tel. {}",
                        admin.name, admin.email, admin.phone
                    );
                }
                println!(
                    "    Inhousefähig: {}",
                    if org.in_house_capable { "ja" } else { "nein" }
                );
            }
        }
        AdminTask::Approve { id } => {
            let org = accounts
                .decide(&id, Decision::Approve)
                .await
                .with_context(|| format!("approving {id}"))?;
            println!("Freigegeben: {} ({})", org.name, org.id);
        }
        AdminTask::Reject { id, reason } => {
            let org = accounts
                .decide(&id, Decision::Reject { reason })
                .await
                .with_context(|| format!("rejecting {id}"))?;
            println!("Abgelehnt: {} ({})", org.name, org.id);
        }
        AdminTask::SetHauptadmin { org, email } => {
            let changed = accounts
                .change_hauptadmin(&org, &email)
                .await
                .with_context(|| format!("making {email} the Hauptadmin of {org}"))?;
            println!(
                "Hauptadministration von {} ({}) ist jetzt {email}.",
                changed.name, changed.id
            );
        }
        AdminTask::CreateProviderOrg {
            provider,
            intermediary,
            name,
            email,
            admin_name,
        } => {
            use functions::domain::model::OrgKind;
            use functions::domain::orders::console::PartyOrgError;
            let kind = match (provider, intermediary) {
                (Some(provider_id), false) => OrgKind::Provider { provider_id },
                _ => OrgKind::Intermediary,
            };
            let label = kind.label();
            match state
                .orders
                .create_party_org(kind, &name, &admin_name, &email)
                .await
            {
                Ok((org, user)) => println!(
                    "{label}-Organisation {} ({}) angelegt. Einladung an {} versendet (Link 7 Tage gültig, einmal nutzbar).",
                    org.name, org.id, user.email
                ),
                Err(PartyOrgError::Exists) => anyhow::bail!(
                    "Für diese Partei gibt es schon eine Organisation; es wurde nichts angelegt. Weitere Personen lädt ihre Administration unter „Mitarbeitende“ ein."
                ),
                Err(PartyOrgError::EmailTaken) => anyhow::bail!(
                    "Die Adresse {email} hat schon ein Konto; es wurde nichts angelegt. Bitte eine andere Adresse angeben."
                ),
                Err(PartyOrgError::UnknownProvider(id)) => anyhow::bail!(
                    "Den Anbieter {id} gibt es im Katalog nicht (Datei content/providers/{id}.yaml mit mindestens einem bestellbaren Angebot); es wurde nichts angelegt."
                ),
                Err(e) => return Err(e).context("creating the organisation"),
            }
        }
        AdminTask::CreateOperator {
            name,
            email,
            org_name,
        } => {
            use functions::domain::model::OrgKind;
            use functions::domain::orders::console::PartyOrgError;
            match state
                .orders
                .create_party_org(OrgKind::Operator, &org_name, &name, &email)
                .await
            {
                Ok((org, user)) => println!(
                    "Betreiber-Organisation {} ({}) angelegt. Einladung an {} versendet (Link 7 Tage gültig, einmal nutzbar). \
                     Bei der ersten Anmeldung richtet die Person den zweiten Faktor ein.",
                    org.name, org.id, user.email
                ),
                Err(PartyOrgError::Exists) => anyhow::bail!(
                    "Die Betreiber-Organisation gibt es schon; es wurde nichts angelegt. Weitere Personen lädt ihre Administration unter „Mitarbeitende“ ein."
                ),
                Err(PartyOrgError::EmailTaken) => anyhow::bail!(
                    "Die Adresse {email} hat schon ein Konto; es wurde nichts angelegt. Bitte eine andere Adresse angeben."
                ),
                Err(e @ PartyOrgError::Invalid(_)) => {
                    anyhow::bail!("{e} Es wurde nichts angelegt.")
                }
                Err(e) => return Err(e).context("creating the operator"),
            }
        }
        AdminTask::ResetSecondFactor { email } => {
            use functions::domain::orders::operator_accounts::ResetFactorError;
            match state
                .orders
                .reset_second_factor(&email, "Betreiberteam")
                .await
            {
                Ok(user) => println!(
                    "Zwei-Faktor-Anmeldung von {} <{}> zurückgesetzt; alle Sitzungen beendet, die Person ist per E-Mail informiert. \
                     Betreiberkonten richten bei der nächsten Anmeldung einen neuen zweiten Faktor ein.",
                    user.name, user.email
                ),
                Err(ResetFactorError::NoSuchPerson) => {
                    anyhow::bail!(
                        "Zur Adresse {email} gibt es kein Konto; es wurde nichts geändert."
                    )
                }
                Err(ResetFactorError::NoFactor) => anyhow::bail!(
                    "{email} meldet sich ohne zweiten Faktor an; es wurde nichts geändert."
                ),
                Err(ResetFactorError::Invalid(message)) => {
                    anyhow::bail!("{message} Es wurde nichts geändert.")
                }
                Err(e) => return Err(e).context("resetting the second factor"),
            }
        }
        AdminTask::CreateTable | AdminTask::BackfillOrderMarkers | AdminTask::SendMails => {}
        AdminTask::RunDueWork => {
            let work = state.run_due_work().await;
            println!(
                "Erinnerungen: {}, wegen Fristablauf geschlossen: {}, unbestätigte Registrierungen gelöscht: {}, \
                 abgelaufene Einträge gelöscht: {}, E-Mails versendet: {}, Fehler: {}",
                work.reminded,
                work.expired,
                work.registrations_removed,
                work.records_removed,
                work.mails_sent,
                work.failed
            );
            if work.failed > 0 {
                anyhow::bail!(
                    "{} Schritt(e) fehlgeschlagen; Einzelheiten im Log",
                    work.failed
                );
            }
            return Ok(());
        }
        AdminTask::Needs => {
            let needs = state.orders.needs().await?;
            if needs.is_empty() {
                println!("Es wurde noch kein Bedarf gemeldet.");
            }
            for need in needs {
                println!(
                    "{}  {}  {}",
                    german_day(need.created_at),
                    need.title,
                    need.category_name.as_deref().unwrap_or("ohne Kategorie")
                );
                println!(
                    "    {} ({}) <{}>, Kontakt per {}",
                    need.user_name, need.org_name, need.user_email, need.contact_preference
                );
                if let Some(users) = need.expected_users {
                    println!("    Erwartete Nutzende: {users}");
                }
                if let Some(date) = &need.wished_date {
                    println!("    Gewünschter Start: {date}");
                }
                println!("    {}", need.description.replace('\n', "\n    "));
            }
        }
        AdminTask::Overdue => {
            let overdue = state.orders.overdue().await?;
            if overdue.is_empty() {
                println!("Keine Bestellung hat die Entscheidungsfrist überschritten.");
            }
            for order in overdue {
                println!(
                    "{}  {}  {} für {}: {} (Frist {})",
                    order.number,
                    order.id,
                    order.folder.offering.name,
                    order.folder.customer.organisation,
                    order.status.label(),
                    german_day(order.deadline)
                );
            }
        }
        AdminTask::Newsletter { task } => match task {
            NewsletterTask::Export { output } => {
                let subscribers = state.newsletter.confirmed().await?;
                let csv = functions::domain::newsletter::export_csv(&subscribers);
                match output {
                    Some(path) => {
                        std::fs::write(&path, csv.as_bytes())
                            .with_context(|| format!("cannot write {}", path.display()))?;
                        eprintln!(
                            "{} bestätigte Adresse(n) nach {} geschrieben.",
                            subscribers.len(),
                            path.display()
                        );
                    }
                    None => {
                        use std::io::Write as _;
                        std::io::stdout().write_all(csv.as_bytes())?;
                    }
                }
                // Nothing else on standard output: it is the CSV.
                return Ok(());
            }
            NewsletterTask::Send { file, per_minute } => {
                let markdown = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let campaign = functions::domain::newsletter::campaign::parse(&markdown)
                    .with_context(|| format!("{} is not a newsletter", file.display()))?;
                let report = state.newsletter.send(&campaign, per_minute).await?;
                let pace = if report.queued > 0 {
                    format!(
                        ", höchstens {per_minute} pro Minute (die letzte ab {})",
                        german_datetime(report.last_not_before)
                    )
                } else {
                    String::new()
                };
                println!(
                    "„{}“: {} E-Mail(s) eingereiht{pace}; {} Adresse(n) hatten diese Ausgabe schon.",
                    campaign.subject, report.queued, report.already_queued
                );
            }
        },
        AdminTask::ApiToken {
            provider,
            intermediary,
        } => {
            let party = match (provider, intermediary) {
                (Some(id), false) => {
                    let catalog = state.orders.catalog().map_err(|_| {
                        anyhow::anyhow!(
                            "Kein Katalog-Snapshot geladen (CSP_CATALOG oder catalog.json neben dem Suchindex): \
                             ohne ihn lässt sich nicht prüfen, ob es den Anbieter {id} gibt."
                        )
                    })?;
                    if !catalog.offerings.iter().any(|o| o.provider.id == id) {
                        let mut known: Vec<&str> = catalog
                            .offerings
                            .iter()
                            .map(|o| o.provider.id.as_str())
                            .collect();
                        known.sort_unstable();
                        known.dedup();
                        anyhow::bail!(
                            "Den Anbieter {id} gibt es im Katalog nicht; kein Token ausgegeben. Anbieter mit bestellbaren Angeboten: {}",
                            known.join(", ")
                        );
                    }
                    ApiParty::Provider(id)
                }
                _ => ApiParty::Intermediary,
            };
            println!("{}", state.orders.api_token(&party));
            return Ok(());
        }
    }
    let sent = state.outbox.deliver_all().await;
    if sent > 0 {
        println!("{sent} E-Mail(s) versendet.");
    }
    Ok(())
}
