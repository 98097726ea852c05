module github.com/stepwise-dev/stepwise

go 1.26.8
