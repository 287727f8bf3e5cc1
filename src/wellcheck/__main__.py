from wellcheck.cli import main

main()
