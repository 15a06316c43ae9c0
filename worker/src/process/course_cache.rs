//! Course structures kept in memory between attempts.
//!
//! Reading a whole course (modules, lessons, prerequisites, questions and their skills) is
//! the most expensive Directus query of a grading. Content changes evict the affected
//! courses as their events arrive; since a flow's event reaches one replica only, entries
//! also expire after a time to live, which bounds how stale another replica can be.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::learning::Course;

#[derive(Debug)]
pub struct CourseCache {
    ttl: Duration,
    entries: Mutex<HashMap<i64, (Instant, Arc<Course>)>>,
}

impl CourseCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// A fresh entry for `course`, if any.
    pub fn get(&self, course: i64) -> Option<Arc<Course>> {
        let entries = self.entries.lock().expect("course cache");
        entries
            .get(&course)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, c)| c.clone())
    }

    /// The fresh entry of the course `lesson` belongs to, if any.
    pub fn course_of_lesson(&self, lesson: i64) -> Option<Arc<Course>> {
        let entries = self.entries.lock().expect("course cache");
        entries
            .values()
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .find(|(_, c)| c.lessons.iter().any(|l| l.id == lesson))
            .map(|(_, c)| c.clone())
    }

    pub fn insert(&self, course: Arc<Course>) {
        if self.ttl.is_zero() {
            return;
        }
        self.entries
            .lock()
            .expect("course cache")
            .insert(course.id, (Instant::now(), course));
    }

    pub fn evict(&self, courses: impl IntoIterator<Item = i64>) {
        let mut entries = self.entries.lock().expect("course cache");
        for course in courses {
            entries.remove(&course);
        }
    }

    pub fn clear(&self) {
        self.entries.lock().expect("course cache").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(id: i64) -> Arc<Course> {
        Arc::new(Course {
            id,
            advance_threshold: 0.9,
            remediate_threshold: 0.7,
            mastery_threshold: 0.95,
            lessons: vec![],
            skills: vec![],
            questions: vec![],
            review_parameters: None,
        })
    }

    #[test]
    fn serves_until_evicted_or_expired() {
        let cache = CourseCache::new(Duration::from_secs(60));
        cache.insert(course(1));
        cache.insert(course(2));
        assert!(cache.get(1).is_some());
        cache.evict([1]);
        assert!(cache.get(1).is_none() && cache.get(2).is_some());
        cache.clear();
        assert!(cache.get(2).is_none());
        let expired = CourseCache::new(Duration::from_millis(1));
        expired.insert(course(3));
        std::thread::sleep(Duration::from_millis(5));
        assert!(expired.get(3).is_none());
        let off = CourseCache::new(Duration::ZERO);
        off.insert(course(4));
        assert!(
            off.get(4).is_none(),
            "a zero time to live turns the cache off"
        );
    }

    #[test]
    fn finds_the_course_of_a_lesson_among_fresh_entries() {
        let cache = CourseCache::new(Duration::from_secs(60));
        let mut fractions = (*course(1)).clone();
        fractions.lessons = vec![
            serde_json::from_value(serde_json::json!({ "id": 10, "title": "Halves" })).unwrap(),
        ];
        cache.insert(Arc::new(fractions));
        cache.insert(course(2));
        assert_eq!(cache.course_of_lesson(10).map(|c| c.id), Some(1));
        assert!(cache.course_of_lesson(11).is_none());
        cache.evict([1]);
        assert!(cache.course_of_lesson(10).is_none());
    }
}
