//! The day a plan ends, a child's status and "My children" agree: the plan is no longer open.

use serde_json::{json, Value};

use crate::cases::{child, plan, world};
use crate::on_both;

on_both! {
    async fn the_dashboard_and_the_status_agree_on_the_day_a_plan_ends(app) {
        let w = world(&app).await;
        let c = child(&app, &w, "Fen", "2016-10-10", None).await;
        let p = plan(&app, &w, &c, "2026-01-05").await;
        let res = app.post(&format!("/api/v1/plans/{p}/end"), &w.manager.token,
            &json!({"end_date": "2026-03-02", "reason": "no_longer_at_risk"})).await;
        assert!(res.status().is_success(), "{:?}", res.text().await);
        for (day, open) in [("2026-03-01", true), ("2026-03-02", false), ("2026-03-03", false)] {
            let status: Value = app.get(&format!("/api/v1/children/{c}/status?as_of={day}"), &w.lead.token).await.json().await.unwrap();
            assert_eq!(status["plan_open"], open, "{day}: {status}");
            let dashboard: Value = app.get(&format!("/api/v1/dashboard?as_of={day}"), &w.lead.token).await.json().await.unwrap();
            let listed = dashboard["children"].as_array().unwrap().iter().any(|l| l["child_id"] == c.as_str());
            assert_eq!(listed, open, "{day}: {dashboard}");
        }
    }
}
