//! The product / service-plan catalog: Microsoft's "Product names and service plan identifiers for
//! licensing" CSV (licensing.md §5). One row per (product, service plan); UTF-8 with BOM, CRLF,
//! fields with stray whitespace, one part number with two GUIDs (`MCOPSTN5`), some plan ids with
//! several name spellings. Everything is keyed on GUIDs; names are for display and lookups.

use crate::model::hash::HashMap;
use crate::model::ids::is_guid;
use crate::model::{PlanId, SkuId};
use anyhow::{bail, Context};
use std::borrow::Cow;

/// The catalog shipped with licdiag (`data/license-catalog.csv`, Dec-2025 copy). The binary holds
/// it already parsed ([`catalog_table`]); the CSV itself is kept for the tests that check the table.
#[cfg(test)]
pub const BUILTIN_CSV: &[u8] = include_bytes!("../../data/license-catalog.csv");

/// How `version()` names the built-in catalog.
const BUILTIN_SOURCE: &str = "builtin license-catalog.csv (Dec-2025)";

/// The built-in catalog, parsed ahead of time: parsing the CSV cost 55M instructions (11 ms warm,
/// `cargo bench --bench analyze -- catalog`; the table takes 1.6 ms) on every run, nearly half
/// of a run on small inputs. Generated from `data/license-catalog.csv` by
/// `Catalog::parse` and checked against it by the tests (`builtin_table_is_current`).
#[path = "catalog_table.rs"]
mod catalog_table;

/// A plan of [`catalog_table`]: id, most frequent name, every name (sorted), most frequent friendly
/// name; `""` for none.
type PlanRow = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
);
/// A product of [`catalog_table`]: id, part number, display name (`""` for none), its plans as
/// indexes into `PLANS`, in catalog order.
type SkuRow = (&'static str, &'static str, &'static str, &'static [u16]);

/// The words of the built-in catalog's product and plan names, part numbers and friendly names,
/// lower-cased, and every run of two to four consecutive words joined by one space (`exchange
/// online`, `power bi`), words being split at every character that is not a letter or digit (`_`
/// too; a whole part number is kept as one token as well): the words Microsoft's own texts are made
/// of, which `--redact` must not take for a display name inside free text (a group called
/// `Exchange` would rewrite "Exchange Online (Plan 2)" and so reveal itself).
pub fn vocabulary() -> &'static std::collections::HashSet<String> {
    static WORDS: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let mut out = std::collections::HashSet::new();
        let mut add = |text: &str| {
            for token in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if !token.is_empty() {
                    out.insert(token.to_lowercase());
                }
            }
            let words: Vec<String> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect();
            for n in 1..=4 {
                for w in words.windows(n) {
                    out.insert(w.join(" "));
                }
            }
        };
        for (_, name, names, friendly) in catalog_table::PLANS.iter() {
            add(name);
            names.iter().for_each(|n| add(n));
            add(friendly);
        }
        for (_, part, display, _) in catalog_table::SKUS.iter() {
            add(part);
            add(display);
        }
        out
    })
}

/// A product of the catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkuInfo {
    pub part_number: Option<String>,
    pub display_name: Option<String>,
    /// Service plans, in catalog order, without duplicates.
    pub plans: Vec<PlanId>,
}

/// A service plan of the catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanInfo {
    /// The most frequent spelling of the plan name.
    pub name: Option<String>,
    /// Every spelling seen.
    pub names: Vec<String>,
    /// The most frequent friendly name.
    pub display_name: Option<String>,
}

/// The parsed catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    pub(crate) skus: HashMap<SkuId, SkuInfo>,
    pub(crate) plans: HashMap<PlanId, PlanInfo>,
    /// Upper-cased part number -> product ids (sorted).
    pub(crate) by_part: HashMap<String, Vec<SkuId>>,
    /// Upper-cased plan name -> plan id (the id most rows use with that name).
    pub(crate) plan_by_name: HashMap<String, PlanId>,
    /// Lower-cased friendly name -> plan id, only when unique.
    pub(crate) plan_by_display: HashMap<String, PlanId>,
    /// Lower-cased product display name -> product id, only when unique.
    pub(crate) sku_by_display: HashMap<String, SkuId>,
    /// Plan id -> products containing it (sorted).
    pub(crate) skus_with_plan: HashMap<PlanId, Vec<SkuId>>,
    pub(crate) rows: usize,
    pub(crate) fingerprint: u64,
    pub(crate) source: String,
}

const COLUMNS: [&str; 6] = [
    "Product_Display_Name",
    "String_Id",
    "GUID",
    "Service_Plan_Name",
    "Service_Plan_Id",
    "Service_Plans_Included_Friendly_Names",
];

/// FNV-1a 64: a cheap, stable fingerprint of the catalog bytes (no hashing crate needed).
fn fnv1a64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Trims ASCII and Unicode whitespace (incl. U+00A0) and collapses inner tabs in names; borrowed
/// unless a tab is collapsed (a catalog row's six cells were six allocations a row).
fn clean(s: &str) -> Cow<'_, str> {
    let t = trimmed(s);
    if t.contains('\t') {
        Cow::Owned(t.split_whitespace().collect::<Vec<_>>().join(" "))
    } else {
        Cow::Borrowed(t)
    }
}

/// Counts one more `name` in `counts`, copying the name only the first time it is counted.
fn count_name(counts: &mut HashMap<String, usize>, name: &str) {
    match counts.get_mut(name) {
        Some(n) => *n += 1,
        None => {
            counts.insert(name.to_string(), 1);
        }
    }
}

/// [`clean`] without the tabs: empty exactly when `clean` is.
fn trimmed(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

fn most_frequent(counts: &HashMap<String, usize>) -> Option<String> {
    counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(k, _)| k.clone())
}

impl Catalog {
    /// The embedded catalog, from the table parsed ahead of time: equal to
    /// `Catalog::parse(BUILTIN_CSV, ..)` (checked by the tests).
    pub fn builtin() -> Catalog {
        use catalog_table::{FINGERPRINT, PLANS, PLAN_BY_DISPLAY, PLAN_BY_NAME, ROWS, SKUS};
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let plan_ids: Vec<PlanId> = PLANS.iter().map(|p| PlanId::from_normalized(p.0)).collect();
        let mut cat = Catalog {
            rows: ROWS,
            fingerprint: FINGERPRINT,
            source: BUILTIN_SOURCE.to_string(),
            ..Catalog::default()
        };
        cat.plans.reserve(PLANS.len());
        for (id, (_, name, names, display)) in plan_ids.iter().zip(PLANS.iter()) {
            let info = PlanInfo {
                name: some(name),
                names: names.iter().map(|n| n.to_string()).collect(),
                display_name: some(display),
            };
            cat.plans.insert(id.clone(), info);
        }
        let mut sku_by_display: HashMap<String, Vec<SkuId>> = HashMap::default();
        cat.skus.reserve(SKUS.len());
        for (id, part, display, plans) in SKUS.iter() {
            let sku = SkuId::from_normalized(id);
            let plans: Vec<PlanId> = plans
                .iter()
                .map(|&i| plan_ids[usize::from(i)].clone())
                .collect();
            for p in &plans {
                cat.skus_with_plan
                    .entry(p.clone())
                    .or_default()
                    .push(sku.clone());
            }
            if !part.is_empty() {
                cat.by_part
                    .entry(part.to_ascii_uppercase())
                    .or_default()
                    .push(sku.clone());
            }
            if !display.is_empty() {
                sku_by_display
                    .entry(display.to_lowercase())
                    .or_default()
                    .push(sku.clone());
            }
            let info = SkuInfo {
                part_number: some(part),
                display_name: some(display),
                plans,
            };
            cat.skus.insert(sku, info);
        }
        for (name, i) in PLAN_BY_NAME.iter() {
            cat.plan_by_name
                .insert(name.to_string(), plan_ids[usize::from(*i)].clone());
        }
        for (display, i) in PLAN_BY_DISPLAY.iter() {
            cat.plan_by_display
                .insert(display.to_string(), plan_ids[usize::from(*i)].clone());
        }
        cat.finish(sku_by_display);
        cat
    }

    /// The last steps of [`Catalog::parse`] and [`Catalog::builtin`]: a product display name
    /// names a product only when one product has it; the lists of products are sorted.
    fn finish(&mut self, sku_displays: HashMap<String, Vec<SkuId>>) {
        for (d, ids) in sku_displays {
            if let [only] = ids.as_slice() {
                self.sku_by_display.insert(d, only.clone());
            }
        }
        for list in self.by_part.values_mut() {
            list.sort();
        }
        for list in self.skus_with_plan.values_mut() {
            list.sort();
            list.dedup();
        }
    }

    /// Parses catalog CSV bytes. `source` names the input in errors ("FILE: line N: ...").
    pub fn parse(bytes: &[u8], source: &str) -> anyhow::Result<Catalog> {
        let data = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(data);
        let headers = rdr
            .headers()
            .with_context(|| format!("{source}: line 1: cannot read the CSV header"))?
            .clone();
        let mut idx = [usize::MAX; 6];
        for (i, h) in headers.iter().enumerate() {
            let h = clean(h);
            for (c, want) in COLUMNS.iter().enumerate() {
                if h.eq_ignore_ascii_case(want) && idx[c] == usize::MAX {
                    idx[c] = i;
                }
            }
        }
        for required in [1usize, 2, 3, 4] {
            if idx[required] == usize::MAX {
                bail!(
                    "{source}: line 1: missing column `{}`; expected Microsoft's \"Product names and service plan \
                     identifiers for licensing\" CSV with columns {}",
                    COLUMNS[required],
                    COLUMNS.join(", ")
                );
            }
        }

        let mut cat = Catalog {
            source: source.to_string(),
            fingerprint: fnv1a64(data),
            ..Catalog::default()
        };
        let mut plan_names: HashMap<PlanId, HashMap<String, usize>> = HashMap::default();
        let mut plan_displays: HashMap<PlanId, HashMap<String, usize>> = HashMap::default();
        let mut name_ids: HashMap<String, HashMap<PlanId, usize>> = HashMap::default();
        let mut display_ids: HashMap<String, Vec<PlanId>> = HashMap::default();
        let mut sku_displays: HashMap<String, Vec<SkuId>> = HashMap::default();

        for (n, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(n as u64 + 2);
                let detail = crate::error::csv_detail(&e);
                anyhow::anyhow!("{source}: line {line}: malformed CSV row: {detail}")
            })?;
            let line = rec.position().map(|p| p.line()).unwrap_or(n as u64 + 2);
            let field = |c: usize| -> Cow<'_, str> {
                if idx[c] == usize::MAX {
                    Cow::Borrowed("")
                } else {
                    rec.get(idx[c]).map(clean).unwrap_or_default()
                }
            };
            let (product, part, guid, plan_name, plan_guid, friendly) =
                (field(0), field(1), field(2), field(3), field(4), field(5));
            if rec.iter().all(|f| trimmed(f).is_empty()) {
                continue; // blank line
            }
            if !is_guid(&guid) {
                bail!(
                    "{source}: line {line}: column GUID is {guid:?}, expected a product GUID like \
                     6fd2c87f-b296-42f0-b197-1e91e994b900"
                );
            }
            let sku = SkuId::parse(&guid)
                .with_context(|| format!("{source}: line {line}: empty GUID"))?;
            cat.rows += 1;
            let info = cat.skus.entry(sku.clone()).or_default();
            if info.part_number.is_none() && !part.is_empty() {
                info.part_number = Some(part.to_string());
                let list = cat.by_part.entry(part.to_ascii_uppercase()).or_default();
                if !list.contains(&sku) {
                    list.push(sku.clone());
                }
            }
            if info.display_name.is_none() && !product.is_empty() {
                info.display_name = Some(product.to_string());
                let list = sku_displays.entry(product.to_lowercase()).or_default();
                if !list.contains(&sku) {
                    list.push(sku.clone());
                }
            }
            if plan_guid.is_empty() {
                continue; // a product row without a plan: keep the product
            }
            if !is_guid(&plan_guid) {
                bail!(
                    "{source}: line {line}: column Service_Plan_Id is {plan_guid:?}, expected a service-plan GUID"
                );
            }
            let plan = match PlanId::parse(&plan_guid) {
                Some(p) => p,
                None => continue,
            };
            if !info.plans.contains(&plan) {
                info.plans.push(plan.clone());
                cat.skus_with_plan
                    .entry(plan.clone())
                    .or_default()
                    .push(sku.clone());
            }
            if !plan_name.is_empty() {
                count_name(plan_names.entry(plan.clone()).or_default(), &plan_name);
                *name_ids
                    .entry(plan_name.to_ascii_uppercase())
                    .or_default()
                    .entry(plan.clone())
                    .or_default() += 1;
            }
            if !friendly.is_empty() {
                count_name(plan_displays.entry(plan.clone()).or_default(), &friendly);
                let list = display_ids.entry(friendly.to_lowercase()).or_default();
                if !list.contains(&plan) {
                    list.push(plan.clone());
                }
            }
            cat.plans.entry(plan).or_default();
        }
        if cat.rows == 0 {
            bail!("{source}: no data rows; expected one row per (product, service plan)");
        }

        for (plan, info) in cat.plans.iter_mut() {
            if let Some(names) = plan_names.get(plan) {
                info.name = most_frequent(names);
                let mut all: Vec<String> = names.keys().cloned().collect();
                all.sort();
                info.names = all;
            }
            if let Some(d) = plan_displays.get(plan) {
                info.display_name = most_frequent(d);
            }
        }
        for (name, ids) in name_ids {
            let best = ids
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .map(|(k, _)| k.clone());
            if let Some(b) = best {
                cat.plan_by_name.insert(name, b);
            }
        }
        for (d, ids) in display_ids {
            if let [only] = ids.as_slice() {
                cat.plan_by_display.insert(d, only.clone());
            }
        }
        cat.finish(sku_displays);
        Ok(cat)
    }

    pub fn sku(&self, id: &SkuId) -> Option<&SkuInfo> {
        self.skus.get(id)
    }
    pub fn plan(&self, id: &PlanId) -> Option<&PlanInfo> {
        self.plans.get(id)
    }
    /// Product ids with this part number (case-insensitive); `MCOPSTN5` has two.
    pub fn skus_by_part_number(&self, part: &str) -> &[SkuId] {
        self.by_part
            .get(&part.trim().to_ascii_uppercase())
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }
    pub fn plan_by_name(&self, name: &str) -> Option<&PlanId> {
        self.plan_by_name.get(&name.trim().to_ascii_uppercase())
    }
    pub fn product_count(&self) -> usize {
        self.skus.len()
    }
    pub fn plan_count(&self) -> usize {
        self.plans.len()
    }
    pub fn row_count(&self) -> usize {
        self.rows
    }
    /// "SOURCE: N rows, P products, S plans, fnv1a64 XXXXXXXXXXXXXXXX".
    pub fn version(&self) -> String {
        format!(
            "{}: {} rows, {} products, {} plans, fnv1a64 {:016x}",
            self.source,
            self.rows,
            self.skus.len(),
            self.plans.len(),
            self.fingerprint
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku(s: &str) -> SkuId {
        SkuId::parse(s).expect("id")
    }

    /// The source of `catalog_table.rs` for a parsed catalog: plans and products sorted by id,
    /// strings as Rust literals (`{:?}`), so that the same catalog always gives the same text.
    fn render_table(c: &Catalog) -> String {
        use std::fmt::Write;
        let mut plans: Vec<(&PlanId, &PlanInfo)> = c.plans.iter().collect();
        plans.sort_by(|a, b| a.0.cmp(b.0));
        let index: HashMap<&PlanId, usize> =
            plans.iter().enumerate().map(|(i, p)| (p.0, i)).collect();
        let mut skus: Vec<(&SkuId, &SkuInfo)> = c.skus.iter().collect();
        skus.sort_by(|a, b| a.0.cmp(b.0));
        let mut by_name: Vec<(&String, usize)> =
            c.plan_by_name.iter().map(|(n, p)| (n, index[p])).collect();
        by_name.sort();
        let mut by_display: Vec<(&String, usize)> = c
            .plan_by_display
            .iter()
            .map(|(n, p)| (n, index[p]))
            .collect();
        by_display.sort();
        let opt = |s: &Option<String>| format!("{:?}", s.as_deref().unwrap_or(""));
        let mut o = String::new();
        o.push_str(
            "//! @generated from data/license-catalog.csv by `Catalog::parse`; do not edit.\n\
             //! `LICDIAG_BLESS=1 cargo test --lib builtin_table_is_current` writes it again.\n\n",
        );
        let _ = writeln!(o, "pub(super) const ROWS: usize = {};", c.rows);
        let _ = writeln!(
            o,
            "pub(super) const FINGERPRINT: u64 = 0x{:016x};",
            c.fingerprint
        );
        let _ = writeln!(
            o,
            "\n#[rustfmt::skip]\npub(super) static PLANS: [super::PlanRow; {}] = [",
            plans.len()
        );
        for (id, p) in &plans {
            let names: Vec<String> = p.names.iter().map(|n| format!("{n:?}")).collect();
            let _ = writeln!(
                o,
                "    ({:?}, {}, &[{}], {}),",
                id.as_str(),
                opt(&p.name),
                names.join(", "),
                opt(&p.display_name)
            );
        }
        let _ = writeln!(
            o,
            "];\n\n#[rustfmt::skip]\npub(super) static SKUS: [super::SkuRow; {}] = [",
            skus.len()
        );
        for (id, s) in &skus {
            let plans: Vec<String> = s.plans.iter().map(|p| index[p].to_string()).collect();
            let _ = writeln!(
                o,
                "    ({:?}, {}, {}, &[{}]),",
                id.as_str(),
                opt(&s.part_number),
                opt(&s.display_name),
                plans.join(", ")
            );
        }
        for (name, rows) in [("PLAN_BY_NAME", &by_name), ("PLAN_BY_DISPLAY", &by_display)] {
            let _ = writeln!(
                o,
                "];\n\n#[rustfmt::skip]\npub(super) static {name}: [(&str, u16); {}] = [",
                rows.len()
            );
            for (k, i) in rows.iter() {
                let _ = writeln!(o, "    ({k:?}, {i}),");
            }
        }
        o.push_str("];\n");
        o
    }

    #[test]
    fn builtin_table_is_current() {
        let parsed = Catalog::parse(BUILTIN_CSV, BUILTIN_SOURCE).expect("the catalog parses");
        let text = render_table(&parsed);
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/knowledge/catalog_table.rs"
        );
        // a checkout that writes CRLF line ends holds the same table
        let current = text == include_str!("catalog_table.rs").replace("\r\n", "\n");
        if !current && std::env::var_os("LICDIAG_BLESS").is_some() {
            // this build holds the old table: the next `cargo test` checks the new one
            std::fs::write(path, &text).expect("write catalog_table.rs");
            eprintln!("rewrote {path}: run `cargo test` again to check it");
            return;
        }
        assert!(
            current,
            "src/knowledge/catalog_table.rs is not data/license-catalog.csv parsed: run \
             `LICDIAG_BLESS=1 cargo test --lib builtin_table_is_current` and commit the file"
        );
        assert_eq!(
            Catalog::builtin(),
            parsed,
            "the table builds the parsed catalog"
        );
    }

    fn plan(s: &str) -> PlanId {
        PlanId::parse(s).expect("id")
    }

    #[test]
    fn builtin_catalog_shape() {
        let c = Catalog::builtin();
        assert_eq!(c.row_count(), 5457);
        assert_eq!(c.product_count(), 569);
        assert_eq!(c.plan_count(), 723);
        assert!(c.version().contains("5457 rows"));
        let e3 = c
            .sku(&sku("6fd2c87f-b296-42f0-b197-1e91e994b900"))
            .expect("E3");
        assert_eq!(e3.part_number.as_deref(), Some("ENTERPRISEPACK"));
        assert_eq!(e3.display_name.as_deref(), Some("Office 365 E3"));
        assert!(e3
            .plans
            .contains(&plan("5dbe027f-2339-4123-9542-606e4d348a72")));
    }

    #[test]
    fn mcopstn5_maps_to_two_guids() {
        let c = Catalog::builtin();
        let ids = c.skus_by_part_number("mcopstn5");
        assert_eq!(
            ids,
            &[
                sku("54a152dc-90de-4996-93d2-bc47e670fc06"),
                sku("d43177b5-475b-4880-92d4-d54c27b5efbd")
            ]
        );
    }

    #[test]
    fn plans_keyed_on_id_not_name() {
        let c = Catalog::builtin();
        // RMS_S_ENTERPRISE is also spelled "RMS_S_ENTERPRISE)" once; Deskless / DESKLESS.
        let rms = c
            .plan(&plan("bea4c11e-220a-4e6d-8eb8-8ea15d019f90"))
            .expect("rms");
        assert_eq!(rms.name.as_deref(), Some("RMS_S_ENTERPRISE"));
        assert_eq!(rms.names.len(), 2);
        assert_eq!(
            c.plan_by_name("RMS_S_ENTERPRISE)"),
            Some(&plan("bea4c11e-220a-4e6d-8eb8-8ea15d019f90"))
        );
        assert_eq!(
            c.plan_by_name("deskless"),
            Some(&plan("8c7d2df8-86f0-4902-b2ed-a0458298f3b3"))
        );
        let d = c
            .plan(&plan("8c7d2df8-86f0-4902-b2ed-a0458298f3b3"))
            .expect("deskless");
        assert_eq!(d.name.as_deref(), Some("Deskless"));
    }

    #[test]
    fn bom_trim_and_quoting() {
        let csv = "\u{feff}Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\r\n\
                   \"Office 365 E3 \", ENTERPRISEPACK ,6FD2C87F-B296-42F0-B197-1E91E994B900, SHAREPOINTENTERPRISE\u{a0},5dbe027f-2339-4123-9542-606e4d348a72,\"SharePoint Online (Plan 2)\"\r\n";
        let c = Catalog::parse(csv.as_bytes(), "t.csv").expect("parse");
        let e3 = c
            .sku(&sku("6fd2c87f-b296-42f0-b197-1e91e994b900"))
            .expect("e3");
        assert_eq!(e3.part_number.as_deref(), Some("ENTERPRISEPACK"));
        assert_eq!(e3.display_name.as_deref(), Some("Office 365 E3"));
        let p = c
            .plan(&plan("5dbe027f-2339-4123-9542-606e4d348a72"))
            .expect("plan");
        assert_eq!(p.name.as_deref(), Some("SHAREPOINTENTERPRISE"));
        assert_eq!(
            p.display_name.as_deref(),
            Some("SharePoint Online (Plan 2)")
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let csv = "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\n\
                   A,A,6fd2c87f-b296-42f0-b197-1e91e994b900,P,5dbe027f-2339-4123-9542-606e4d348a72,P\n\
                   B,B,not-a-guid,P,5dbe027f-2339-4123-9542-606e4d348a72,P\n";
        let e = Catalog::parse(csv.as_bytes(), "new.csv").expect_err("bad guid");
        let msg = format!("{e:#}");
        assert!(msg.contains("new.csv: line 3"), "{msg}");
        let e = Catalog::parse(b"a,b\n1,2\n", "x.csv").expect_err("columns");
        assert!(format!("{e:#}").contains("x.csv: line 1: missing column `String_Id`"));
        let e = Catalog::parse(b"", "empty.csv").expect_err("empty");
        assert!(format!("{e:#}").contains("empty.csv"));
        // a catalog saved in another encoding (Windows-1252 here): the line, the field, the fix
        let mut bytes = csv.as_bytes()[..csv.find("B,B").expect("row 3")].to_vec();
        bytes.extend_from_slice(b"Caf\xe9,B,6fd2c87f-b296-42f0-b197-1e91e994b900,P,5dbe027f-2339-4123-9542-606e4d348a72,P\n");
        let e = Catalog::parse(&bytes, "ansi.csv").expect_err("not UTF-8");
        let msg = format!("{e:#}");
        assert!(
            msg.starts_with("ansi.csv: line 3: malformed CSV row: field 1 is not valid UTF-8"),
            "{msg}"
        );
        assert!(msg.contains("re-export it as UTF-8"), "{msg}");
    }
}
