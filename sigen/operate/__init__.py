"""Running what was generated against hosts: the lab, deploy, verify, backup, restore and
drills, and the records they leave (``records``), which the next build reads as evidence."""
