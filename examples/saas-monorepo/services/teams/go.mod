module example.com/saas/teams

go 1.22
