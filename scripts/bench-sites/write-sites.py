#!/usr/bin/env python3
"""Write Zola and Hugo sites from a csp content folder, for scripts/bench-build.

    scripts/bench-sites/write-sites.py CONTENT TARGET

Writes four sites below TARGET, each with its own copy of the pages (neither generator follows
a symlinked content folder reliably):

- `zola/`, `hugo/`: the comparison issue 28 started from. One Markdown page per published
  offering (name, summary, description and conditions) with a trivial template.
- `zola-site/`, `hugo-site/`: the same site as `csp build` writes, as far as a general-purpose
  generator writes it. Per offering a detail page (prices, Markdown description, properties,
  options, documents, Markdown conditions, the maturity section from the shared maturity model)
  and an order form; the catalog and every facet csp lists (category, subcategory, service
  type, contract model, customer scope, maturity band, provider) paged by 24 tiles; the same
  page shell (head, header, footer) as csp's theme; a feed and a sitemap; for
  Zola also its search index. Not written: csp's exports (JSON, CSV, filter and compare
  data), the order snapshot and the per-listing feeds, which neither generator can make from
  one content file. The templates are in zola-templates/ and hugo-layouts/ next to this
  script, the markup both share (csp's page shell, the fixed parts of the order form) in
  shared/.

The values csp computes while building (formatted prices, the maturity percentage, names of
providers, types and categories) are written into the front matter here, so the other
generators get that work done for them.
"""
import json
import shutil
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TYPE_LABELS = {"saas": "SaaS", "paas": "PaaS", "iaas": "IaaS"}
SCOPE_LABELS = {"bund": "Bund", "land": "Länder", "kommune": "Kommunen"}
CONTRACT_LABELS = {"direktvertrag": "Direktvertrag", "umklappvertrag": "Umklappvertrag"}
BILLING_LABELS = {"monthly": "monatlich", "yearly": "jährlich", "once": "einmalig"}
BANDS = [(75, "ab 75 %"), (50, "ab 50 %"), (25, "ab 25 %")]


def load(path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)


def euro(amount):
    value = f"{float(amount):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{value} €"


def toml(value):
    """A TOML value (strings, numbers, booleans, arrays and inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)


def front_matter(fields, extra=None):
    lines = ["+++"]
    lines += [f"{key} = {toml(value)}" for key, value in fields.items()]
    if extra:
        lines.append("[extra]")
        lines += [f"{key} = {toml(value)}" for key, value in extra.items()]
    lines.append("+++")
    return "\n".join(lines) + "\n"


def maturity_model(model):
    """The model as the templates read it: criteria by id, with their level texts."""
    dimensions = []
    for dim in model["dimensions"]:
        dimensions.append({
            "name": dim["name"],
            "criteria": [{
                "id": c["id"],
                "name": c["name"],
                "max": len(c["levels"]),
                "levels": [level["description"].strip() for level in c["levels"]],
            } for c in dim["criteria"]],
        })
    minimal = [{"id": c["id"], "name": c["name"]} for c in model["minimal_criteria"]]
    return {"dimensions": dimensions, "minimal": minimal}


def percent(offering, model):
    levels = offering.get("maturity", {}).get("levels", {})
    reached = possible = 0
    for dim in model["dimensions"]:
        for criterion in dim["criteria"]:
            if criterion["id"] in levels:
                reached += levels[criterion["id"]]
                possible += criterion["max"]
    return (round(100 * reached / possible) if possible else 0), reached, possible


def write_trivial(offerings, site):
    pages = site / "content" / "cloud-services"
    pages.mkdir(parents=True)
    (site / "content" / "_index.md").write_text('+++\ntitle = "Cloud-Service-Portal"\n+++\n')
    (pages / "_index.md").write_text('+++\ntitle = "Cloud-Services"\n+++\n')
    for o in offerings:
        front = f"+++\ntitle = {json.dumps(o['name'], ensure_ascii=False)}\n" \
                f"description = {json.dumps(o['summary'].strip(), ensure_ascii=False)}\n+++\n"
        body = f"{o['description']}\n\n## Bedingungen\n\n{o['conditions']}\n"
        (pages / f"{o['id']}.md").write_text(front + body, encoding="utf-8")

    page = "<!doctype html><html lang=de><head><meta charset=utf-8><title>{title}</title>" \
           "<meta name=description content=\"{description}\"></head><body><main><h1>{title}</h1>" \
           "{content}</main></body></html>\n"
    zola = site / "zola"
    (zola / "templates").mkdir(parents=True)
    (zola / "config.toml").write_text('base_url = "https://portal.example"\ncompile_sass = false\n'
                                      'build_search_index = false\n')
    shutil.copytree(site / "content", zola / "content")
    for name in ["page.html", "section.html", "index.html"]:
        obj = "page" if name == "page.html" else "section"
        (zola / "templates" / name).write_text(page.format(
            title=f"{{{{ {obj}.title }}}}", description=f"{{{{ {obj}.description | default(value='') }}}}",
            content=f"{{{{ {obj}.content | safe }}}}"))
    hugo = site / "hugo"
    (hugo / "layouts" / "_default").mkdir(parents=True)
    (hugo / "config.toml").write_text('baseURL = "https://portal.example/"\nlanguageCode = "de"\n'
                                      'disableKinds = ["taxonomy", "term"]\n')
    shutil.copytree(site / "content", hugo / "content")
    shutil.rmtree(site / "content")
    for name in ["single.html", "list.html"]:
        (hugo / "layouts" / "_default" / name).write_text(page.format(
            title="{{ .Title }}", description="{{ .Description }}", content="{{ .Content }}"))


# Hugo lists the facets as taxonomies (listing pages written here, as for Zola below, took
# Hugo as long: 1.48 against 1.50 s for 1,000 offerings). Zola's taxonomies would do too,
# but Zola renders every page of a paged term with the whole term (all its pages) in the template context, so that
# build grows with the square of the offerings: 6.9 s for 1,000, 28 s for 2,000 and 719 s for
# 10,000 (issue 28's machine). Pages with `render = false` are left out of sections, so stub
# pages cannot carry a facet's members either. The fastest Zola site we found: each listing
# page is a section of its own, paged here, with the data of its 24 tiles in its front
# matter. That grows linearly, and the paging and the choice of the tiles' data are done for
# Zola (1,000 offerings: 1.5 s when the template fetched each tile's page with `get_page`,
# 1.1 s so).
TAXONOMIES = ["kategorie", "unterkategorie", "typ", "vertragsmodell", "kundenkreis", "reifegrad",
              "anbieter"]


def write_templates(target, blocks, own, base, partials):
    """A generator's templates: its own, the base template made from csp's page shell
    (shared/shell.html, with the generator's blocks for the @NAMES@ in it) and the parts of
    the order form without template syntax (shared/order-*.html)."""
    shutil.copytree(own, target)
    shell = (HERE / "shared" / "shell.html").read_text(encoding="utf-8")
    for name, block in blocks.items():
        shell = shell.replace(name, block)
    (target / base).write_text(shell, encoding="utf-8")
    for part in sorted((HERE / "shared").glob("order-*.html")):
        shutil.copy(part, target / partials / part.name)


def write_full(offerings, content, target):
    model = maturity_model(load(content / "maturity-model.yaml"))
    minimal_names = {c["id"]: c["name"] for c in model["minimal"]}
    providers = {p["id"]: p for p in (load(f) for f in sorted((content / "providers").glob("*.yaml")))}
    portfolio = load(content / "portfolio.yaml")
    categories, subcategories = {}, {}
    for cat in portfolio["categories"]:
        categories[cat["id"]] = cat["name"]
        for sub in cat.get("subcategories", []):
            subcategories[f"{cat['id']}/{sub['id']}"] = (cat["name"], sub["name"])

    zola = target / "zola-site"
    hugo = target / "hugo-site"
    for site in (zola, hugo):
        (site / "content" / "cloud-services").mkdir(parents=True)
        (site / "content" / "bestellen").mkdir()
    zola_listings = {}
    for o in offerings:
        provider = providers[o["provider"]]
        score, reached, possible = percent(o, model)
        plans = [{
            "name": p["name"],
            "price": euro(p["price"]),
            "unit": p.get("unit", ""),
            "billing": BILLING_LABELS.get(p.get("billing"), p.get("billing", "")),
            "term": p.get("minimum_term_months", 0),
            "description": p.get("description", "").strip(),
            "id": p["id"],
        } for p in o.get("plans", [])]
        cheapest = min(o.get("plans", []), key=lambda p: float(p["price"]), default=None)
        options = [{
            "id": opt["id"],
            "label": opt["label"],
            "type": opt["type"],
            "required": bool(opt.get("required", False)),
            "min": opt.get("min", 0),
            "max": opt.get("max", 0),
            "choices": opt.get("choices", []),
        } for opt in o.get("options", [])]
        maturity = o.get("maturity", {})
        # The listings the offering is in: (taxonomy for Hugo, folder for Zola, name).
        listings = [("kategorie", f"cloud-services/kategorie/{c}", categories[c])
                    for c in sorted({c.split("/")[0] for c in o["categories"]})]
        listings += [("unterkategorie", f"cloud-services/kategorie/{c}", " › ".join(subcategories[c]))
                     for c in o["categories"] if c in subcategories]
        listings += [("typ", f"cloud-services/typ/{o['service_type']}", TYPE_LABELS[o["service_type"]])]
        listings += [("vertragsmodell", f"cloud-services/vertragsmodell/{m}", CONTRACT_LABELS[m])
                     for m in o["contract_models"]]
        listings += [("kundenkreis", f"cloud-services/kundenkreis/{k}", SCOPE_LABELS[k])
                     for k in o["customer_scope"]]
        listings += [("reifegrad", f"cloud-services/reifegrad/ab-{floor}", label)
                     for floor, label in BANDS if score >= floor]
        listings += [("anbieter", f"anbieter/{provider['id']}", provider["name"])]
        extra = {
            "id": o["id"],
            "provider": provider["name"],
            "type_label": TYPE_LABELS[o["service_type"]],
            "price": euro(cheapest["price"]) if cheapest else "",
            "unit": cheapest.get("unit", "") if cheapest else "",
            "score": score,
            "meter": min(100, (score + 9) // 10 * 10),
            "reached": reached,
            "possible": possible,
            "assessed": str(maturity.get("assessed", "")),
            "provisioning": o.get("provisioning_time", ""),
            "scopes": ", ".join(SCOPE_LABELS[s] for s in o["customer_scope"]),
            "contracts": ", ".join(CONTRACT_LABELS[m] for m in o["contract_models"]),
            "category_names": [" › ".join(subcategories.get(c, (categories.get(c, c),))) for c in o["categories"]],
            "category_paths": o["categories"],
            "contract_ids": o["contract_models"],
            "tags": o.get("tags", []),
            "plans": plans,
            "options": options,
            "documents": [{"title": d["title"], "url": d["url"]} for d in o.get("documents", [])],
            "conditions": o.get("conditions", ""),
            "minimal": [minimal_names.get(k, k) for k, met in maturity.get("minimal_criteria", {}).items() if met],
            "levels": maturity.get("levels", {}),
            "updated": str(o.get("updated", "")),
            "email": o.get("contact", {}).get("email", ""),
            "phone": o.get("contact", {}).get("phone", ""),
            "contact_url": o.get("contact", {}).get("url", ""),
        }
        fields = {"title": o["name"], "description": " ".join(o["summary"].split()),
                  "date": str(o.get("updated", "2025-01-01"))}
        order_extra = {key: extra[key] for key in
                       ["id", "provider", "scopes", "plans", "options", "contract_ids"]}
        order = front_matter({"title": f"{o['name']} bestellen"}, order_extra)
        taxonomies = {name: [label for taxonomy, _, label in listings if taxonomy == name]
                      for name in TAXONOMIES}
        for site, front in ((zola, front_matter(fields, extra)),
                            (hugo, front_matter({**fields, **taxonomies}, extra))):
            (site / "content" / "cloud-services" / f"{o['id']}.md").write_text(
                front + o["description"], encoding="utf-8")
            (site / "content" / "bestellen" / f"{o['id']}.md").write_text(order, encoding="utf-8")
        tile = {"id": o["id"], "title": o["name"], "summary": fields["description"],
                **{key: extra[key] for key in ["type_label", "provider", "price", "unit", "meter", "score"]}}
        # Zola: each listing's members, the catalog included (see the comment above TAXONOMIES).
        for _, folder, title in listings + [(None, "cloud-services", "Cloud-Services")]:
            zola_listings.setdefault(folder, (title, []))[1].append((o["name"], o["id"], tile))

    (zola / "content" / "_index.md").write_text('+++\ntitle = "Cloud-Service-Portal"\n+++\n')
    (zola / "content" / "bestellen" / "_index.md").write_text(
        '+++\ntitle = "Bestellen"\nrender = false\nin_search_index = false\n'
        'page_template = "bestellen.html"\n+++\n')
    for folder, (title, members) in zola_listings.items():
        members.sort()
        pages = [members[i:i + 24] for i in range(0, len(members), 24)]

        def page_path(number, folder=folder):
            return folder if number == 1 else f"{folder}/seite/{number}"

        for number, page in enumerate(pages, start=1):
            path = page_path(number)
            listing = {"page": number, "pages": len(pages), "total": len(members),
                       "first": (number - 1) * 24 + 1, "last": (number - 1) * 24 + len(page),
                       "prev": f"/{page_path(number - 1)}/" if number > 1 else "",
                       "next": f"/{page_path(number + 1)}/" if number < len(pages) else "",
                       "tiles": [tile for _, _, tile in page]}
            fields = {"title": title, "template": "listing.html", "in_search_index": False}
            if path == "cloud-services":  # the detail pages' section: they are searchable
                fields.update(page_template="angebot.html", in_search_index=True)
            (zola / "content" / path).mkdir(parents=True, exist_ok=True)
            (zola / "content" / path / "_index.md").write_text(
                front_matter(fields, listing), encoding="utf-8")
    for folder in ["cloud-services/kategorie", "cloud-services/typ", "cloud-services/vertragsmodell",
                   "cloud-services/kundenkreis", "cloud-services/reifegrad", "anbieter"]:
        (zola / "content" / folder / "_index.md").write_text(
            '+++\ntitle = "Übersicht"\nrender = false\nin_search_index = false\n+++\n')
    (zola / "config.toml").write_text(
        'base_url = "https://portal.example"\ncompile_sass = false\ndefault_language = "de"\n'
        'build_search_index = true\ngenerate_feeds = true\nfeed_filenames = ["atom.xml"]\n'
        '[search]\ninclude_content = true\nindex_format = "elasticlunr_json"\n'
        '[markdown]\nrender_emoji = false\n')
    write_templates(zola / "templates", {
        "@TITLE@": "{% block title %}{% endblock title %}",
        "@DESCRIPTION@": "{% block description %}{% endblock description %}",
        "@CANONICAL@": "{{ current_url | safe }}",
        "@MAIN@": "{% block main %}{% endblock main %}",
    }, HERE / "zola-templates", "base.html", ".")
    (zola / "maturity.json").write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")

    (hugo / "content" / "_index.md").write_text('+++\ntitle = "Cloud-Service-Portal"\n+++\n')
    (hugo / "content" / "cloud-services" / "_index.md").write_text('+++\ntitle = "Cloud-Services"\n+++\n')
    (hugo / "content" / "bestellen" / "_index.md").write_text(
        '+++\ntitle = "Bestellen"\n[_build]\nrender = "never"\n+++\n')
    taxonomies = "\n".join(f'{name} = "{name}"' for name in TAXONOMIES)
    (hugo / "config.toml").write_text(
        'baseURL = "https://portal.example/"\nlanguageCode = "de"\npaginate = 24\n'
        'paginatePath = "seite"\n'
        f'[taxonomies]\n{taxonomies}\n'
        '[outputs]\nhome = ["HTML", "RSS"]\nsection = ["HTML"]\ntaxonomy = ["HTML"]\nterm = ["HTML"]\n')
    write_templates(hugo / "layouts", {
        "@TITLE@": '{{ block "title" . }}{{ .Title }}{{ end }}',
        "@DESCRIPTION@": '{{ block "description" . }}{{ .Description }}{{ end }}',
        "@CANONICAL@": "{{ .Permalink }}",
        "@MAIN@": '{{ block "main" . }}{{ end }}',
    }, HERE / "hugo-layouts", "_default/baseof.html", "partials")
    (hugo / "data").mkdir()
    (hugo / "data" / "maturity.json").write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")


def main():
    content, target = Path(sys.argv[1]), Path(sys.argv[2])
    offerings = []
    for path in sorted((content / "offerings").glob("*.yaml")):
        o = load(path)
        if o.get("status") == "published":
            offerings.append(o)
    target.mkdir(parents=True, exist_ok=True)
    write_trivial(offerings, target)
    write_full(offerings, content, target)


if __name__ == "__main__":
    main()
