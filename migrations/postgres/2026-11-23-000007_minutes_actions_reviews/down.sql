DROP TABLE reviews;
DROP TABLE action_progress;
DROP TABLE actions;
DROP TABLE minutes_distribution;
DROP TABLE minutes;
DROP FUNCTION minutes_published_are_final();
