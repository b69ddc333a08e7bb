DROP TABLE plan_covers;
