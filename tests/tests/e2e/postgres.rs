//! The SQLite snapshot also provisions PostgreSQL, and re-provisioning changes nothing.

use directus_schema::collections;
use pathwise_tests::TestDirectus;
use pathwise_tests::postgres::TestPostgres;

#[tokio::test]
async fn the_snapshot_provisions_postgresql_and_converges() {
    let pg = tokio::task::spawn_blocking(TestPostgres::start)
        .await
        .unwrap();
    let directus = TestDirectus::on_postgres(&pg, "http://127.0.0.1:9").await;
    let first = directus.provision().await;
    assert!(
        first
            .changes
            .iter()
            .any(|c| c.starts_with("schema: applied")),
        "{first}"
    );
    let present = directus
        .admin()
        .get_data("/collections?limit=-1&fields=collection")
        .await
        .unwrap()
        .to_string();
    for collection in collections::all() {
        assert!(
            present.contains(&format!("\"{collection}\"")),
            "{collection} missing on PostgreSQL"
        );
    }
    let second = directus.provision().await;
    assert!(
        second.is_unchanged(),
        "re-provisioning PostgreSQL must change nothing: {second}"
    );

    // The schema works there: seed the demo course, a student logs in and reads it.
    directus.seed().await;
    let lessons = directus
        .student("ada")
        .await
        .get_data("/items/lessons?limit=-1")
        .await
        .unwrap();
    assert!(!lessons.as_array().unwrap().is_empty());
    drop(directus);
    drop(pg);
}
