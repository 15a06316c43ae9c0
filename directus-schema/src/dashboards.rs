//! The Insights dashboard, declared once; `pathwise provision` converges Directus onto it
//! (found by name, its panels by name within it).
//!
//! Panel types and options are those of Directus 11.17.4's admin app (`time-series`,
//! `bar-chart`, `metric`; read in `@directus/app`). The app turns each panel's options into
//! a GraphQL query sent with the VIEWER's token, so the numbers follow the viewer's
//! permissions: an editor sees every student, a teacher the students of their cohorts.

use serde_json::{Value, json};

use crate::collections::*;

/// One `directus_dashboards` row with its panels.
#[derive(Debug, Clone)]
pub struct DashboardSpec {
    /// Unique among dashboards: provisioning finds the dashboard by name.
    pub name: &'static str,
    /// A Material icon name.
    pub icon: &'static str,
    pub color: &'static str,
    /// Shown under the name in the Insights overview.
    pub note: &'static str,
    pub panels: Vec<PanelSpec>,
}

/// One `directus_panels` row. Positions and sizes are in the dashboard's grid units (20 px);
/// the Insights panels span 40 units, which fits beside the app's sidebars on a 1440 px
/// wide screen (checked in Chromium).
#[derive(Debug, Clone)]
pub struct PanelSpec {
    /// Unique within its dashboard: provisioning matches panels by name.
    pub name: &'static str,
    pub icon: &'static str,
    pub color: &'static str,
    pub note: &'static str,
    /// The panel type id (`type` in Directus).
    pub kind: &'static str,
    pub position_x: u32,
    pub position_y: u32,
    pub width: u32,
    pub height: u32,
    /// The type's options, as the app's panel editor would save them.
    pub options: Value,
}

impl PanelSpec {
    /// The body Directus takes for this panel on `dashboard`.
    pub fn to_directus(&self, dashboard: &str) -> Value {
        json!({
            "dashboard": dashboard,
            "name": self.name,
            "icon": self.icon,
            "color": self.color,
            "note": self.note,
            "type": self.kind,
            "show_header": true,
            "position_x": self.position_x,
            "position_y": self.position_y,
            "width": self.width,
            "height": self.height,
            "options": self.options,
        })
    }
}

/// The name editors and teachers find the dashboard under.
pub const INSIGHTS: &str = "Insights";

/// Every dashboard `pathwise provision` keeps.
pub fn dashboards() -> Vec<DashboardSpec> {
    vec![insights()]
}

fn insights() -> DashboardSpec {
    let graded = json!({ "status": { "_eq": "graded" } });
    DashboardSpec {
        name: INSIGHTS,
        icon: "insights",
        color: "#6644FF",
        note: "How learners do: attempts per day, pass rate per lesson, struggling skills. Teachers see the students of their cohorts only.",
        panels: vec![
            PanelSpec {
                name: "Attempts per day",
                icon: "assignment_turned_in",
                color: "#3399FF",
                // Directus' time-series panel draws a line without markers, and fills
                // missing days only between days with data: one day of attempts shows
                // as nothing. The note says so rather than leave an empty chart a riddle.
                note: "Attempts submitted each day, over the last month (the line shows from the second day with attempts).",
                kind: "time-series",
                position_x: 1,
                position_y: 1,
                width: 28,
                height: 12,
                options: json!({
                    "collection": ATTEMPTS,
                    "function": "count",
                    "valueField": "id",
                    "dateField": "date_created",
                    "precision": "day",
                    "range": "1 month",
                    "color": "#3399FF",
                    "missingData": "0",
                    "decimals": 0,
                }),
            },
            PanelSpec {
                name: "Open content issues",
                icon: "report_problem",
                color: "#E35169",
                note: "Problems in the content that stop attempts from being graded (Content issues).",
                kind: "metric",
                position_x: 29,
                position_y: 1,
                width: 12,
                height: 12,
                options: json!({
                    "collection": CONTENT_ISSUES,
                    "field": "id",
                    "function": "count",
                    "filter": { "status": { "_eq": "open" } },
                    "conditionalFormatting": [{ "operator": ">", "value": "0", "color": "#E35169" }],
                }),
            },
            PanelSpec {
                name: "Pass rate per lesson",
                icon: "bar_chart",
                color: "#2ECDA7",
                note: "Average score (0 to 1) of graded attempts, per lesson.",
                kind: "bar-chart",
                position_x: 1,
                position_y: 13,
                width: 20,
                height: 16,
                options: json!({
                    "collection": ATTEMPTS,
                    "xAxis": "lesson",
                    "xAxisDisplayField": "title",
                    "yAxis": "score",
                    "function": "avg",
                    "horizontal": true,
                    "decimals": 2,
                    "color": "#2ECDA7",
                    "filter": graded,
                    "showAxisLabels": "both",
                    "showDataLabel": true,
                }),
            },
            PanelSpec {
                name: "Struggling skills",
                icon: "trending_down",
                color: "#FFA439",
                note: "Mean probability known (BKT) per skill: the shortest bars are the skills students struggle with.",
                kind: "bar-chart",
                position_x: 21,
                position_y: 13,
                width: 20,
                height: 16,
                options: json!({
                    "collection": MASTERY,
                    "xAxis": "skill",
                    "xAxisDisplayField": "name",
                    "yAxis": "p_known",
                    "function": "avg",
                    "horizontal": true,
                    "decimals": 2,
                    "color": "#FFA439",
                    "showAxisLabels": "both",
                    "showDataLabel": true,
                }),
            },
            PanelSpec {
                name: "Students who mastered each skill",
                icon: "military_tech",
                color: "#6644FF",
                note: "How many students have mastered each skill; a skill nobody has mastered yet has no bar.",
                kind: "bar-chart",
                position_x: 1,
                position_y: 29,
                width: 40,
                height: 14,
                options: json!({
                    "collection": MASTERY,
                    "xAxis": "skill",
                    "xAxisDisplayField": "name",
                    "yAxis": "id",
                    "function": "count",
                    "horizontal": false,
                    "decimals": 0,
                    "color": "#6644FF",
                    "filter": { "mastered": { "_eq": true } },
                    "showAxisLabels": "both",
                    "showDataLabel": true,
                }),
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_names_are_unique_within_a_dashboard() {
        for dashboard in dashboards() {
            let mut names: Vec<_> = dashboard.panels.iter().map(|p| p.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), dashboard.panels.len(), "{}", dashboard.name);
        }
    }

    #[test]
    fn panels_query_pathwise_collections() {
        let known: Vec<&str> = all().collect();
        for panel in dashboards().iter().flat_map(|d| &d.panels) {
            let collection = panel.options["collection"].as_str().unwrap();
            assert!(known.contains(&collection), "{}: {collection}", panel.name);
        }
    }
}
