from seedtrail.cli.main import main

main()
